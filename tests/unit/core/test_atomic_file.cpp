#include "core/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/error.h"

namespace fs = std::filesystem;

namespace kiort {
namespace {

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kiort_atomic_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  fs::path dir_;
};

TEST_F(AtomicFile, WritesContent) {
  write_file_atomic(dir_ / "a.txt", "hello\n");
  EXPECT_EQ(slurp(dir_ / "a.txt"), "hello\n");
  EXPECT_EQ(entries(), 1u);  // no temporary left behind
}

TEST_F(AtomicFile, FailingWriterLeavesNoPartialFile) {
  EXPECT_THROW(write_file_atomic(dir_ / "b.txt",
                                 [](std::ostream& out) {
                                   out << "half of the dose grid";
                                   throw std::runtime_error("writer died");
                                 }),
               std::runtime_error);
  EXPECT_FALSE(fs::exists(dir_ / "b.txt"));
  EXPECT_EQ(entries(), 0u);
}

TEST_F(AtomicFile, FailingWriterKeepsPreviousVersion) {
  write_file_atomic(dir_ / "c.txt", "version 1");
  EXPECT_THROW(write_file_atomic(dir_ / "c.txt",
                                 [](std::ostream& out) {
                                   out << "version 2, trunc";
                                   throw Error::internal("interrupted");
                                 }),
               Error);
  EXPECT_EQ(slurp(dir_ / "c.txt"), "version 1");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFile, UnwritableFolderIsBadInput) {
  try {
    write_file_atomic(dir_ / "no" / "such" / "folder.txt", "x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(std::string(e.what()).find("folder.txt"), std::string::npos);
  }
}

}  // namespace
}  // namespace kiort
