//! Checks that each instance starts from pristine linear memory (DESIGN "a fresh instance serves each
//! request"), which is what the pooling allocator's slot reset (and wpthost's patch to it in
//! vendor/wasmtime) must guarantee.
//!
//! Two 4 MiB areas: one in `.data` (every byte 0xA5 in the memory image, so the reset must restore
//! image contents) and one in `.bss` (zero). Every other 4 KiB page of each is checked for bytes that
//! differ from the image, then dirtied. The dirtied pages are not adjacent, so the reset sees about a
//! thousand separate dirty regions, more than its scan buffer holds at once and more than the
//! keep-resident budget: it exercises resetting in place, resuming the scan and decommitting the rest.
//!
//! Response body: `residue <N>` where N is the number of checked pages that were not pristine.

wit_bindgen::generate!({ path: "../../../wit", world: "handler" });

use wpthost::handler::response;

const AREA: usize = 4 << 20;
const PAGE: usize = 4096;
const IMAGE_BYTE: u8 = 0xA5;

static mut DATA: [u8; AREA] = [IMAGE_BYTE; AREA];
static mut BSS: [u8; AREA] = [0; AREA];

struct Component;
export!(Component);

/// Pages (checked every other page) in `area` holding anything but `pristine`; then dirty them.
fn check_and_dirty(area: &mut [u8], pristine: u8) -> usize {
    let mut residue = 0;
    for page in area.chunks_mut(PAGE).step_by(2) {
        if page.iter().any(|&b| b != pristine) {
            residue += 1;
        }
        // One byte per page is enough to make it dirty; vary its place so no page looks alike.
        let at = page.len() / 2;
        page[at] = std::hint::black_box(pristine ^ 0xFF);
    }
    residue
}

impl Guest for Component {
    fn handle(_request: Request) -> Result<(), String> {
        // SAFETY: one request per instance and no threads: nothing else touches these statics.
        let (data, bss) = unsafe {
            (
                &mut *std::ptr::addr_of_mut!(DATA),
                &mut *std::ptr::addr_of_mut!(BSS),
            )
        };
        let residue = check_and_dirty(data, IMAGE_BYTE) + check_and_dirty(bss, 0);
        response::set_status(200, None);
        response::set_header(b"Content-Type", b"text/plain");
        response::set_body(format!("residue {residue}").as_bytes());
        Ok(())
    }
}
