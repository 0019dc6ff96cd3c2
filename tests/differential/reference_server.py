#!/usr/bin/env python3
"""Start wptserve 4.0.3 (the reference) on a document root for the differential test.

wptserve's own command line starts the server in a daemon thread and exits at once, so this script
builds the server the way wptserve's functional tests do: `WebTestHttpd(host, port=0, doc_root,
routes=wptserve.routes.routes)`, with a stash manager so `request.server.stash` works, and a config
whose host names match the ones wpthost was given.

Usage: reference_server.py SETTINGS_JSON
  SETTINGS_JSON: {"doc_root": DIR, "browser_host": H, "alternate_hosts": {...},
                  "subdomains": [...], "not_subdomains": [...]}
Prints one line `{"port": N}` once the server accepts connections, then serves until its standard
input is closed (so it dies with the test process that started it).
"""

import json
import logging
import sys
import uuid

from wptserve import routes, server, stash
from wptserve.config import ConfigBuilder
from wptserve.request import Server


def main():
    settings = json.loads(sys.argv[1])
    # wptserve logs through the root logger.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="[wptserve] %(levelname)s %(message)s")
    logger = logging.getLogger()

    with stash.StashServer(("127.0.0.1", 0), authkey=str(uuid.uuid4())):
        httpd = server.WebTestHttpd(host="127.0.0.1", port=0,
                                    doc_root=settings["doc_root"],
                                    routes=routes.routes)
        # The default config (built by WebTestHttpd) only knows the bind address as host name;
        # give it the same hosts as wpthost so {{host}}, {{domains[...]}} etc. compare equal.
        builder = ConfigBuilder(logger,
                                subdomains=set(settings["subdomains"]),
                                not_subdomains=set(settings["not_subdomains"]),
                                browser_host=settings["browser_host"],
                                alternate_hosts=settings["alternate_hosts"],
                                doc_root=settings["doc_root"],
                                ports={"http": [httpd.port]})
        with builder as config:
            Server.config = config
        httpd.start()
        print(json.dumps({"port": httpd.port}), flush=True)
        try:
            sys.stdin.read()
        except KeyboardInterrupt:
            pass
        httpd.stop()


if __name__ == "__main__":
    main()
