// /proc scan for exec_process_scan.h.
#include "support/exec_process_scan.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace sci::testing {

std::vector<pid_t> processes_with_marker(const std::string& marker) {
  std::vector<pid_t> out;
  DIR* dir = ::opendir("/proc");
  if (!dir) return out;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid == ::getpid()) continue;
    std::string base = std::string("/proc/") + e->d_name;
    std::string text;
    try {
      // libstdc++ throws from the streambuf when the process exits mid-read (ESRCH).
      std::ifstream cmd(base + "/cmdline", std::ios::binary);
      text.assign(std::istreambuf_iterator<char>(cmd), std::istreambuf_iterator<char>());
    } catch (const std::exception&) {
      continue;  // gone: nothing to find
    }
    if (text.find(marker) == std::string::npos) continue;
    std::ifstream st(base + "/stat");
    std::string line;
    std::getline(st, line);
    auto paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z') continue;
    out.push_back(pid);
  }
  ::closedir(dir);
  return out;
}

}  // namespace sci::testing
