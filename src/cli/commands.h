// Declarations of every command handler; the table lives in command_table.cpp and
// each handler in its own cmd_<name>.cpp.
#pragma once

#include <string>
#include <vector>

#include "cli/app.h"

namespace sci::cli {

int cmd_doctor(Context& ctx, std::vector<std::string> args);
int cmd_config_show(Context& ctx, std::vector<std::string> args);
int cmd_status(Context& ctx, std::vector<std::string> args);
int cmd_latex_build(Context& ctx, std::vector<std::string> args);
int cmd_paper_check(Context& ctx, std::vector<std::string> args);
int cmd_run(Context& ctx, std::vector<std::string> args);
int cmd_writeup(Context& ctx, std::vector<std::string> args);
int cmd_llm_serve_cassette(Context& ctx, std::vector<std::string> args);
int cmd_llm_chat(Context& ctx, std::vector<std::string> args);
int cmd_llm_models(Context& ctx, std::vector<std::string> args);
int cmd_resume(Context& ctx, std::vector<std::string> args);
int cmd_template_check(Context& ctx, std::vector<std::string> args);
int cmd_template_baseline(Context& ctx, std::vector<std::string> args);
int cmd_template_new(Context& ctx, std::vector<std::string> args);
int cmd_template_list(Context& ctx, std::vector<std::string> args);
int cmd_edit_apply(Context& ctx, std::vector<std::string> args);
int cmd_sandbox_run(Context& ctx, std::vector<std::string> args);
int cmd_review(Context& ctx, std::vector<std::string> args);
int cmd_review_bench(Context& ctx, std::vector<std::string> args);
int cmd_review_bench_run(Context& ctx, std::vector<std::string> args);
int cmd_ideas(Context& ctx, std::vector<std::string> args);
int cmd_novelty(Context& ctx, std::vector<std::string> args);
int cmd_lit_search(Context& ctx, std::vector<std::string> args);
int cmd_lit_index(Context& ctx, std::vector<std::string> args);
int cmd_idea_prepare(Context& ctx, std::vector<std::string> args);
int cmd_experiment(Context& ctx, std::vector<std::string> args);
int cmd_plot(Context& ctx, std::vector<std::string> args);
int cmd_notes(Context& ctx, std::vector<std::string> args);

}  // namespace sci::cli
