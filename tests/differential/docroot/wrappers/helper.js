var helper = 1;
