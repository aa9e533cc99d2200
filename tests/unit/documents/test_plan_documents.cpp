// The record of which approval a plan folder's documents were written for (documents.json) and
// the approval's rewrite when it cannot be done: the old files stay whole and are marked stale.
// The rewrite that succeeds is end to end (tests/e2e/rtexport_test.sh, serve_api_test.sh).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../temp_dir.h"
#include "documents/plan_documents.h"

namespace kiort {
namespace {

namespace fs = std::filesystem;

// A fresh folder of this test (tests/unit/temp_dir.h), removed at its end.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("documents") {}
};

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Plan approved_plan(const std::string& checksum) {
  Plan p;
  p.approval.approved = true;
  p.approval.by = "phil";
  p.approval.checksum = checksum;
  return p;
}

TEST(PlanDocuments, StaleUnlessWrittenForThisApproval) {
  TempDir t;
  const Plan plan = approved_plan("abc");
  // No documents.json: written before the approval (or by an older kiort).
  EXPECT_NE(document_stale_reason(t.path, plan, "report.pdf").find("before the approval"),
            std::string::npos);
  write(t.path / "documents.json", R"({"files": {
    "report.pdf": {"approval_checksum": "abc"},
    "dicom/RTPLAN.dcm": {"approval_checksum": ""},
    "dicom/RTDOSE.dcm": {"approval_checksum": "old"},
    "dicom/RTSTRUCT.dcm": {"approval_checksum": "abc", "error": "rewriting it failed: x"}}})");
  EXPECT_EQ(document_stale_reason(t.path, plan, "report.pdf"), "");
  EXPECT_NE(document_stale_reason(t.path, plan, "dicom/RTPLAN.dcm").find("draft"),
            std::string::npos);
  EXPECT_NE(document_stale_reason(t.path, plan, "dicom/RTDOSE.dcm").find("draft"),
            std::string::npos);
  EXPECT_EQ(document_stale_reason(t.path, plan, "dicom/RTSTRUCT.dcm"), "rewriting it failed: x");
  EXPECT_NE(document_stale_reason(t.path, plan, "dicom/RTDOSE_ERROR.dcm"), "");
  // The CT images do not carry the approval.
  EXPECT_EQ(document_stale_reason(t.path, plan, "dicom/ct/CT_0001.dcm"), "");
  EXPECT_EQ(document_stale_reason(t.path, plan, "ct/CT_0001.dcm"), "");
  // A draft's documents are never the approved plan's.
  EXPECT_NE(document_stale_reason(t.path, Plan{}, "report.pdf"), "");
  // A damaged documents.json makes every document stale, it does not throw.
  write(t.path / "documents.json", "{not json");
  EXPECT_NE(document_stale_reason(t.path, plan, "report.pdf"), "");
}

TEST(PlanDocuments, NothingToRewrite) {
  TempDir t;
  const DocumentsRewrite r = rewrite_documents_after_approval(t.path / "plan.json");
  EXPECT_FALSE(r.attempted);
  EXPECT_TRUE(r.ok);
  EXPECT_FALSE(fs::exists(t.path / "documents.json"));
}

TEST(PlanDocuments, FailedRewriteKeepsTheOldFilesAndMarksThemStale) {
  TempDir t;
  // A folder with a draft's documents whose plan cannot be read: the rewrite fails.
  write(t.path / "plan.json", "{}");
  write(t.path / "report.pdf", "%PDF draft");
  write(t.path / "dicom" / "RTPLAN.dcm", "draft plan");
  const DocumentsRewrite r = rewrite_documents_after_approval(t.path / "plan.json");
  EXPECT_TRUE(r.attempted);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.error.empty());
  EXPECT_TRUE(r.written.empty());
  EXPECT_EQ(read(t.path / "report.pdf"), "%PDF draft");
  EXPECT_EQ(read(t.path / "dicom" / "RTPLAN.dcm"), "draft plan");
  EXPECT_FALSE(fs::exists(t.path / ".documents-rewrite"));
  const Plan plan = approved_plan("abc");
  for (const char* name : {"report.pdf", "dicom/RTPLAN.dcm"})
    EXPECT_NE(
        document_stale_reason(t.path, plan, name).find("rewriting it for the approval failed"),
        std::string::npos)
        << name;
}

}  // namespace
}  // namespace kiort
