// Config: precedence flag > env > file > default, TOML errors with line numbers, types.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "config/config.h"
#include "support/test_paths.h"

namespace sci::config {
namespace {

std::map<std::string, std::string> g_env;
std::map<std::string, std::string> fake_env() { return g_env; }

Result<Config> load_with(const std::filesystem::path& file, std::map<std::string, std::string> env) {
  g_env = std::move(env);
  LoadOptions o;
  if (!file.empty()) o.file = file;
  o.environment = fake_env;
  return Config::load(o);
}

TEST(ConfigTest, PrecedenceFlagOverEnvOverFileOverDefault) {
  auto dir = testing::fresh_temp_dir("cfg");
  ASSERT_TRUE(fs::write_file_atomic(dir / "c.toml", "[experiment]\nmax_runs = 3\nattempts_per_run = 2\n"
                                                    "run_timeout_s = 100\n").ok());
  auto c = load_with(dir / "c.toml", {{"SCIENTIST_EXPERIMENT_ATTEMPTS_PER_RUN", "7"},
                                      {"SCIENTIST_EXPERIMENT_RUN_TIMEOUT_S", "200"}});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_TRUE(c->set("experiment.run_timeout_s", "300").ok());
  EXPECT_EQ(c->get_int("experiment.max_runs"), 3);           // file
  EXPECT_EQ(c->get_int("experiment.attempts_per_run"), 7);   // env beats file
  EXPECT_EQ(c->get_int("experiment.run_timeout_s"), 300);    // flag beats env
  EXPECT_EQ(c->get_int("experiment.plot_timeout_s"), 600);   // default
  EXPECT_EQ(c->source_of("experiment.max_runs"), Source::kFile);
  EXPECT_EQ(c->source_of("experiment.attempts_per_run"), Source::kEnv);
  EXPECT_EQ(c->source_of("experiment.run_timeout_s"), Source::kFlag);
  EXPECT_EQ(c->source_of("experiment.plot_timeout_s"), Source::kDefault);
}

TEST(ConfigTest, EnvCannotOverrideAFlagSetEarlier) {
  Config c = Config::defaults();
  ASSERT_TRUE(c.set("ideas.num_ideas", "2", Source::kFlag).ok());
  ASSERT_TRUE(c.set("ideas.num_ideas", "9", Source::kEnv).ok());
  EXPECT_EQ(c.get_int("ideas.num_ideas"), 2);
}

TEST(ConfigTest, BadTomlReportsFileAndLine) {
  auto dir = testing::fresh_temp_dir("cfg");
  ASSERT_TRUE(fs::write_file_atomic(dir / "bad.toml", "[experiment]\nmax_runs = 3\nattempts_per_run = = 4\n").ok());
  auto c = load_with(dir / "bad.toml", {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kParse);
  EXPECT_NE(c.error().message.find("bad.toml:3:"), std::string::npos) << c.error().message;
}

TEST(ConfigTest, WrongTypeNamesKeyAndLine) {
  auto dir = testing::fresh_temp_dir("cfg");
  ASSERT_TRUE(fs::write_file_atomic(dir / "c.toml", "[experiment]\n\nmax_runs = \"five\"\n").ok());
  auto c = load_with(dir / "c.toml", {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().message.find("c.toml:3"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("experiment.max_runs"), std::string::npos);
  EXPECT_NE(c.error().message.find("integer"), std::string::npos);
}

TEST(ConfigTest, UnknownKeySuggestsClosest) {
  auto dir = testing::fresh_temp_dir("cfg");
  ASSERT_TRUE(fs::write_file_atomic(dir / "c.toml", "[experiment]\nmax_run = 3\n").ok());
  auto c = load_with(dir / "c.toml", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("did you mean 'experiment.max_runs'"), std::string::npos) << c.error().message;
}

TEST(ConfigTest, BadEnvValueNamesTheVariable) {
  auto c = load_with({}, {{"SCIENTIST_BUDGET_USD", "lots"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().to_string().find("SCIENTIST_BUDGET_USD"), std::string::npos);
}

TEST(ConfigTest, ShowRedactsSecrets) {
  Config c = Config::defaults();
  ASSERT_TRUE(c.set("secrets.s2_api_key", "super-secret-key-value").ok());
  auto text = c.show();
  EXPECT_EQ(text.find("super-secret-key-value"), std::string::npos);
  EXPECT_NE(text.find("[REDACTED]"), std::string::npos);
}

TEST(ConfigTest, ProviderTablesAreKept) {
  auto dir = testing::fresh_temp_dir("cfg");
  ASSERT_TRUE(fs::write_file_atomic(dir / "c.toml", "[providers.local]\nkind = \"openai\"\n"
                                                    "base_url = \"http://127.0.0.1:8080/v1\"\n").ok());
  auto c = load_with(dir / "c.toml", {});
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->table("providers").at("local").at("base_url"), "http://127.0.0.1:8080/v1");
}

TEST(ConfigTest, EveryKeyIsDocumentedInCliMd) {
  auto doc = fs::read_file(testing::source_dir() / "docs" / "cli.md");
  ASSERT_TRUE(doc.ok());
  for (const auto& k : registry()) EXPECT_NE(doc->find("`" + k.key + "`"), std::string::npos) << k.key;
}

}  // namespace
}  // namespace sci::config
