// `scientist llm serve-cassette FILE [--port N] [--ready-file PATH]`: an OpenAI- and
// Anthropic-compatible server on 127.0.0.1 answering from a cassette, so that a run
// can go through the real HTTP client offline (point --base-url at it).
#include <chrono>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/fs.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "http/loopback_server.h"
#include "llm/cassette_server.h"

namespace sci::cli {

int cmd_llm_serve_cassette(Context& ctx, std::vector<std::string> args) {
  (void)ctx;
  CLI::App app("Serve a cassette over the OpenAI and Anthropic wire formats on 127.0.0.1", "llm serve-cassette");
  std::string file, ready_file;
  int port = 0;
  app.add_option("cassette", file, "the cassette (JSONL)")->required();
  app.add_option("--port", port, "port to listen on (0 = any free port)")->capture_default_str();
  app.add_option("--ready-file", ready_file, "write the base URL to this file once listening");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  auto replay = llm::ReplayClient::open(file, llm::ReplayMatch::kTag);
  if (!replay.ok()) return report_error(replay.error());
  auto handler = std::make_shared<llm::CassetteServer>(*replay);
  auto server = http::LoopbackServer::start([handler](const http::HttpRequest& r) { return handler->handle(r); },
                                            "127.0.0.1", port);
  if (!server.ok()) return report_error(server.error());
  std::string base = (*server)->base_url();
  std::printf("serving %s on %s (OpenAI: --base-url %s/v1; Anthropic: %s); Ctrl-C stops\n", file.c_str(),
              base.c_str(), base.c_str(), base.c_str());
  std::fflush(stdout);
  if (!ready_file.empty()) {
    if (auto st = fs::write_file_atomic(ready_file, base + "\n"); !st.ok()) return report_error(st.error());
  }
  std::atomic<bool>& cancel = install_cancel_handlers();
  while (!cancel.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*server)->stop();
  std::printf("served %zu replies; %zu left in the cassette\n", handler->served(), (*replay)->remaining());
  return kExitOk;
}

}  // namespace sci::cli
