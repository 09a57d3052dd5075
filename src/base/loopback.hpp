// Whether a host is this machine, told from its text alone.
#pragma once
#include <string_view>

namespace cphfleet {

// 127.0.0.0/8 (dotted quad), ::1 (with or without brackets) and `localhost` in any case. Decided
// from the text: a name that a resolver maps to a loopback address is not one, since what it
// resolves to can change under the caller.
bool is_loopback_host(std::string_view host);

}  // namespace cphfleet
