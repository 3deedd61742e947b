// Event sinks; see events.h.
#include "pipeline/events.h"

#include "base/fs.h"
#include "base/json.h"
#include "base/time.h"

namespace sci::pipeline {

const char* event_kind_name(EventKind k) {
  switch (k) {
    case EventKind::kBatchStarted: return "batch_started";
    case EventKind::kStageStarted: return "stage_started";
    case EventKind::kStageFinished: return "stage_finished";
    case EventKind::kProgress: return "progress";
    case EventKind::kHeartbeat: return "heartbeat";
    case EventKind::kWarning: return "warning";
    case EventKind::kBatchFinished: return "batch_finished";
  }
  return "?";
}

std::string event_to_json(const Event& e) {
  json::Json j = {{"time", e.time.empty() ? time::now_iso8601() : e.time},
                  {"kind", event_kind_name(e.kind)},
                  {"idea", e.idea},
                  {"stage", e.stage},
                  {"message", e.message},
                  {"cost_usd", e.cost_usd}};
  return json::dump(j);
}

void JsonlEventSink::emit(const Event& event) {
  std::lock_guard lock(mu_);
  (void)fs::append_line(path_, event_to_json(event));
}

void FanoutEventSink::emit(const Event& event) {
  Event stamped = event;
  if (stamped.time.empty()) stamped.time = time::now_iso8601();
  for (auto* s : sinks_) s->emit(stamped);
}

}  // namespace sci::pipeline
