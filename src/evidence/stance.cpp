#include "evidence/stance.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "core/error.h"

namespace kiort::evidence {
namespace {

int index_of(Stance s) {
  return s == Stance::kSupports ? 0 : s == Stance::kContrasts ? 1 : 2;
}
Stance stance_of(int i) {
  return i == 0 ? Stance::kSupports : i == 1 ? Stance::kContrasts : Stance::kMentions;
}

}  // namespace

std::vector<std::string> stance_tokens(const std::string& text) {
  static const std::set<std::string> kStop = {
      "the",  "and", "for",   "with", "that", "this",  "from",  "are",   "was",
      "were", "its", "their", "than", "into", "which", "has",   "have",  "been",
      "but",  "not", "all",   "one",  "two",  "per",   "after", "before"};
  std::vector<std::string> out;
  std::string w;
  auto flush = [&] {
    if (w.size() >= 3 && !kStop.count(w)) out.push_back(w);
    w.clear();
  };
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalpha(c) || c == ':')
      w += static_cast<char>(std::tolower(c));
    else
      flush();
  }
  flush();
  return out;
}

std::string stance_text(const std::string& claim, const std::string& section) {
  std::string s;
  for (char c : section) s += std::isalpha(static_cast<unsigned char>(c)) ? c : '_';
  return claim + " section:" + s;
}

std::vector<LabelledText> training_set(const EvidenceBase& base) {
  std::vector<LabelledText> out;
  for (const Statement& s : base.statements())
    out.push_back({stance_text(s.claim, s.section), s.stance});
  return out;
}

StanceModel StanceModel::train(const std::vector<LabelledText>& data, double alpha) {
  if (data.empty()) throw Error::bad_input("no labelled statements to train the stance model on");
  StanceModel m;
  m.alpha_ = alpha;
  std::array<double, 3> docs{};
  for (const LabelledText& d : data) {
    const int c = index_of(d.stance);
    docs[c] += 1;
    for (const std::string& w : stance_tokens(d.text)) {
      m.counts_[w][c] += 1;
      m.total_[c] += 1;
      m.vocabulary_[w] += 1;
    }
  }
  for (int c = 0; c < 3; ++c)  // add-one on the prior too, so an unseen class keeps a chance
    m.log_prior_[c] = std::log((docs[c] + 1.0) / (static_cast<double>(data.size()) + 3.0));
  return m;
}

double StanceModel::log_likelihood(const std::string& word, int c) const {
  const auto it = counts_.find(word);
  const double n = it == counts_.end() ? 0.0 : it->second[c];
  return std::log((n + alpha_) /
                  (total_[c] + alpha_ * static_cast<double>(vocabulary_.size() + 1)));
}

StanceSuggestion StanceModel::suggest(const std::string& text) const {
  StanceSuggestion s;
  std::array<double, 3> score = log_prior_;
  const std::vector<std::string> tokens = stance_tokens(text);
  for (const std::string& w : tokens)
    if (vocabulary_.count(w))  // words never seen in training carry no evidence
      for (int c = 0; c < 3; ++c) score[c] += log_likelihood(w, c);
  int best = 0;
  for (int c = 1; c < 3; ++c)
    if (score[c] > score[best]) best = c;
  const double top = score[best];
  double sum = 0;
  for (int c = 0; c < 3; ++c) sum += std::exp(score[c] - top);
  for (int c = 0; c < 3; ++c) s.probability[c] = std::exp(score[c] - top) / sum;
  s.stance = stance_of(best);
  std::set<std::string> seen;
  for (const std::string& w : tokens) {
    if (!vocabulary_.count(w) || !seen.insert(w).second) continue;
    // ratio against the most likely competing class
    double o = -1e300;
    for (int c = 0; c < 3; ++c)
      if (c != best) o = std::max(o, log_likelihood(w, c));
    const double ratio = log_likelihood(w, best) - o;
    if (ratio > 0) s.because.emplace_back(w, ratio);
  }
  std::stable_sort(s.because.begin(), s.because.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (s.because.size() > 5) s.because.resize(5);
  return s;
}

CrossValidation cross_validate(const std::vector<LabelledText>& data, int folds, double alpha) {
  if (folds == 1 || folds < 0)
    throw Error::bad_input("bad number of folds")
        .field("--folds")
        .seen(std::to_string(folds))
        .expected("0 (leave-one-out) or 2 or more");
  CrossValidation cv;
  cv.folds = folds;
  const int n = static_cast<int>(data.size());
  const int k = folds == 0 ? n : std::min(folds, n);
  for (int f = 0; f < k; ++f) {
    std::vector<LabelledText> train, test;
    for (int i = 0; i < n; ++i)
      (i % k == f ? test : train).push_back(data[static_cast<std::size_t>(i)]);
    if (train.empty() || test.empty()) continue;
    const StanceModel model = StanceModel::train(train, alpha);
    std::array<int, 3> freq{};
    for (const LabelledText& t : train) ++freq[index_of(t.stance)];
    const int majority =
        static_cast<int>(std::max_element(freq.begin(), freq.end()) - freq.begin());
    for (const LabelledText& t : test) {
      const int truth = index_of(t.stance);
      const int predicted = index_of(model.suggest(t.text).stance);
      ++cv.n;
      cv.correct += predicted == truth;
      cv.majority_correct += majority == truth;
      ++cv.confusion[truth][predicted];
    }
  }
  return cv;
}

}  // namespace kiort::evidence
