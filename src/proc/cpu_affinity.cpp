// CPU affinity helpers; see cpu_affinity.h. The affinity mask is read with a set that
// grows until the kernel accepts its size, so machines with more than CPU_SETSIZE
// (1024) CPUs work too.
#include "proc/cpu_affinity.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <thread>

#include <fmt/format.h>

#include "base/strings.h"

namespace sci::proc {

std::vector<int> allowed_cpu_ids() {
  std::vector<int> ids;
  for (size_t sets = 1; sets <= 64 && ids.empty(); sets *= 2) {
    std::vector<cpu_set_t> mask(sets);
    const size_t bytes = sets * sizeof(cpu_set_t);
    CPU_ZERO_S(bytes, mask.data());
    if (::sched_getaffinity(0, bytes, mask.data()) != 0) {
      if (errno == EINVAL) continue;  // the kernel's mask is larger than ours
      break;
    }
    for (int cpu = 0; cpu < static_cast<int>(sets * CPU_SETSIZE); ++cpu)
      if (CPU_ISSET_S(cpu, bytes, mask.data())) ids.push_back(cpu);
  }
  if (ids.empty()) {
    int n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int cpu = 0; cpu < n; ++cpu) ids.push_back(cpu);
  }
  return ids;
}

namespace {

constexpr int kMaxCpuId = 65535;  // far beyond any machine; bounds "0-999999999"

bool parse_id(std::string_view text, int& out) {
  text = str::trim(text);
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0 && out <= kMaxCpuId;
}

}  // namespace

Result<std::vector<int>> parse_cpu_list(std::string_view text) {
  std::vector<int> ids;
  auto bad = [&](std::string_view part) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("bad CPU list '{}' at '{}': use ids and ranges like 0,1 or 0-3,6", text, part));
  };
  if (str::trim(text).empty()) return bad(text);
  for (const auto& part : str::split(text, ',')) {
    auto dash = part.find('-');
    int first = 0, last = 0;
    if (dash == std::string::npos) {
      if (!parse_id(part, first)) return bad(part);
      last = first;
    } else if (!parse_id(std::string_view(part).substr(0, dash), first) ||
               !parse_id(std::string_view(part).substr(dash + 1), last) || last < first) {
      return bad(part);
    }
    for (int cpu = first; cpu <= last; ++cpu) ids.push_back(cpu);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace sci::proc
