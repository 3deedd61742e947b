// Loop-guard signatures: same exception and frame match across line moves; others differ.
#include <gtest/gtest.h>

#include "experiment/error_signature.h"
#include "support/experiment_fake_run_executor.h"

namespace sci::experiment {
namespace {

using testing::python_traceback;

TEST(ErrorSignature, SameExceptionAndFrameMatchWhenLineNumbersMove) {
  auto a = error_signature(RunStatus::kFailed, python_traceback("ValueError", "bad 1", "train", "x = f(y)", 10));
  auto b = error_signature(RunStatus::kFailed, python_traceback("ValueError", "bad 2", "train", "x = f(y)", 55));
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.exception_type, "ValueError");
  EXPECT_EQ(a.last_frame, "experiment.py in train: x = f(y)");
}

TEST(ErrorSignature, DifferentTypeOrFrameDiffers) {
  auto a = error_signature(RunStatus::kFailed, python_traceback("ValueError", "m", "train"));
  auto b = error_signature(RunStatus::kFailed, python_traceback("KeyError", "m", "train"));
  auto c = error_signature(RunStatus::kFailed, python_traceback("ValueError", "m", "evaluate"));
  EXPECT_NE(a.hash, b.hash);
  EXPECT_NE(a.hash, c.hash);
}

TEST(ErrorSignature, DottedExceptionTypesAndChainedTracebacksUseTheLastOne) {
  std::string text = python_traceback("KeyError", "'a'", "load") +
                     "\nDuring handling of the above exception, another exception occurred:\n\n" +
                     python_traceback("torch.cuda.OutOfMemoryError", "CUDA out of memory", "forward", "y = net(x)");
  auto s = error_signature(RunStatus::kCudaOom, text);
  EXPECT_EQ(s.exception_type, "torch.cuda.OutOfMemoryError");
  EXPECT_EQ(s.last_frame, "experiment.py in forward: y = net(x)");
}

TEST(ErrorSignature, WithoutTracebackFallsBackToStatusAndLastLineWithDigitsBlanked) {
  auto a = error_signature(RunStatus::kTimedOut, "step 10\nstep 11\n");
  auto b = error_signature(RunStatus::kTimedOut, "step 10\nstep 12\n");
  auto c = error_signature(RunStatus::kFailed, "step 10\nstep 12\n");
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_NE(a.hash, c.hash);
  EXPECT_FALSE(a.hash.empty());
}

}  // namespace
}  // namespace sci::experiment
