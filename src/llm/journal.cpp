// The run's call journal; see journal.h.
#include "llm/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/log.h"
#include "base/strings.h"

namespace sci::llm {

Result<std::shared_ptr<CallJournal>> CallJournal::open(const std::filesystem::path& path) {
  auto journal = std::make_shared<CallJournal>();
  journal->path_ = path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return journal;
  SCI_ASSIGN_OR_RETURN(std::string text, fs::read_file(path));
  auto lines = str::split_lines(text);
  size_t line_no = 0;
  for (const auto& line : lines) {
    ++line_no;
    if (str::trim(line).empty()) continue;
    auto entry = parse_cassette_line(line, line_no);
    if (!entry.ok()) {
      bool last = line_no == lines.size() || (line_no + 1 == lines.size() && str::trim(lines.back()).empty());
      if (last && (text.empty() || text.back() != '\n')) {
        log::warn("{}: ignoring a torn last line (the process was killed while writing it)", path.string());
        const auto keep = text.rfind('\n');
        std::filesystem::resize_file(path, keep == std::string::npos ? 0 : keep + 1, ec);
        continue;
      }
      return entry.error().with_context("call journal " + path.string());
    }
    journal->entries_.push_back(std::move(*entry));
  }
  journal->used_.assign(journal->entries_.size(), false);
  return journal;
}

std::optional<ChatResponse> CallJournal::take(const ChatRequest& request) {
  std::string key = tag_key(request.tag);
  std::string fingerprint = request_fingerprint(request);
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (used_[i] || entries_[i].fingerprint != fingerprint || tag_key(entries_[i].tag) != key) continue;
    used_[i] = true;
    ++replayed_;
    ChatResponse r = entries_[i].response;
    r.cost_usd = 0;
    r.latency_s = 0;
    return r;
  }
  return std::nullopt;
}

CallJournal::~CallJournal() {
  std::lock_guard lock(mu_);
  if (!pending_.empty() && write_pending_locked() != 0)
    log::warn("call journal {}: {} bytes of finished calls could not be written (disk full): they will be paid "
              "again on resume", path_.string(), pending_.size());
}

// Appends pending_ whole or not at all (a partial write is cut off again); 0 or the errno.
int CallJournal::write_pending_locked() {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  struct stat st {};
  const off_t before = ::fstat(fd, &st) == 0 ? st.st_size : -1;
  ssize_t n = ::write(fd, pending_.data(), pending_.size());
  int err = n < 0 ? errno : (n == static_cast<ssize_t>(pending_.size()) ? 0 : ENOSPC);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (err != 0 && n > 0 && before >= 0) (void)::ftruncate(fd, before);
  ::close(fd);
  if (err == 0) pending_.clear();
  return err;
}

Status CallJournal::append(const ChatRequest& request, const ChatResponse& response) {
  std::lock_guard lock(mu_);
  pending_ += cassette_line(request, response) + "\n";
  // Counted by turns()/last_turn(); already used, so never served again in this process.
  CassetteEntry entry;
  entry.tag = request.tag;
  entry.fingerprint = request_fingerprint(request);
  entries_.push_back(std::move(entry));
  used_.push_back(true);
  if (int err = write_pending_locked(); err != 0)
    return make_error(ErrorCode::kIo, fmt::format("cannot append to the call journal {}: {} (kept in memory, "
                                                  "written once there is space)",
                                                  path_.string(), std::strerror(err)));
  return ok_status();
}

size_t CallJournal::replayed() const {
  std::lock_guard lock(mu_);
  return replayed_;
}

int CallJournal::last_turn(const std::string& idea, const std::string& stage, const std::string& role) const {
  std::lock_guard lock(mu_);
  int last = 0;
  for (const auto& e : entries_)
    if (e.tag.idea == idea && e.tag.stage == stage && e.tag.role == role) last = std::max(last, e.tag.turn);
  return last;
}

int CallJournal::turns(const std::string& idea, const std::string& stage, const std::string& role) const {
  std::lock_guard lock(mu_);
  std::set<int> seen;
  for (const auto& e : entries_)
    if (e.tag.idea == idea && e.tag.stage == stage && e.tag.role == role) seen.insert(e.tag.turn);
  return static_cast<int>(seen.size());
}

Result<ChatResponse> JournalClient::chat(const ChatRequest& request) {
  if (auto hit = journal_->take(request)) return *hit;
  SCI_ASSIGN_OR_RETURN(ChatResponse response, inner_->chat(request));
  if (auto st = journal_->append(request, response); !st.ok()) log::warn("{}", st.error().to_string());
  return response;
}

}  // namespace sci::llm
