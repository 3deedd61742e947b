// Pipeline events: what the terminal view, the JSONL event log, heartbeats and (later)
// the dashboard consume. EventSink is the seam; sinks must be thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sci::pipeline {

enum class EventKind { kBatchStarted, kStageStarted, kStageFinished, kProgress, kHeartbeat, kWarning, kBatchFinished };
const char* event_kind_name(EventKind k);

struct Event {
  EventKind kind = EventKind::kProgress;
  std::string time;     // ISO 8601, filled by emit() when empty
  std::string idea;     // "" for batch events
  std::string stage;
  std::string message;  // "run 2/5 attempt 1", "review overall 6.2"
  double cost_usd = 0;  // idea's cost so far (or batch total)
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(const Event& event) = 0;
};

// Appends one JSON object per line to a file (events.jsonl in the results dir).
class JsonlEventSink final : public EventSink {
 public:
  explicit JsonlEventSink(std::filesystem::path path) : path_(std::move(path)) {}
  void emit(const Event& event) override;

 private:
  std::mutex mu_;
  std::filesystem::path path_;
};

// Forwards to several sinks.
class FanoutEventSink final : public EventSink {
 public:
  void add(EventSink* sink) { sinks_.push_back(sink); }
  void emit(const Event& event) override;

 private:
  std::vector<EventSink*> sinks_;
};

std::string event_to_json(const Event& event);

}  // namespace sci::pipeline
