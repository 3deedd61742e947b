// Entry point of the scientist binary: wiring only (see cli/app.h).
#include "cli/app.h"

int main(int argc, char** argv) { return sci::cli::run_main(argc, argv); }
