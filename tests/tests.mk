## Test infrastructure shared by all areas.
EXTRA_DIST += tests/tap.h tests/lib.sh
