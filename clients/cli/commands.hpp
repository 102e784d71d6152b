// The `sotay` commands, each on the SDK (sotay/sdk/device.hpp).
//
// Output contract: results go to stdout (one JSON value with --json), progress and
// errors to stderr. A command returns the exit code: 0 done, 1 failed.
#pragma once

#include "args.hpp"

#include <ostream>

namespace sotay::cli {

int run_command(const arguments& args, std::ostream& out, std::ostream& err);

}  // namespace sotay::cli
