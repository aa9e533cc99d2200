// A suggestion of the stance (supports / contrasts / mentions) of a new citation statement:
// multinomial naive Bayes over the words of the claim and its section, trained on the curated
// statements. Transparent on purpose - every suggestion lists the words that pushed it - and only
// a suggestion: a person classifies the statement. Deterministic (no random folds).
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "evidence/evidence_base.h"

namespace kiort::evidence {

struct LabelledText {
  std::string text;  // claim (and section) words
  Stance stance;
};

// Lower-case words of 3 or more letters, minus a short English stop list.
std::vector<std::string> stance_tokens(const std::string& text);
std::vector<LabelledText> training_set(const EvidenceBase& base);  // stance_text of each statement
// The text the model reads for a statement: the claim + " section:" + the section with every
// non-letter as '_' (what training_set uses, so a new statement is read as the curated ones).
std::string stance_text(const std::string& claim, const std::string& section);

struct StanceSuggestion {
  Stance stance = Stance::kMentions;
  std::array<double, 3> probability{};  // supports, contrasts, mentions (posterior, sums to 1)
  // Words with the largest log-likelihood ratio for the suggested stance against the other two
  // (word, ratio in nats), largest first, at most five.
  std::vector<std::pair<std::string, double>> because;
};

class StanceModel {
 public:
  // Laplace smoothing `alpha` (1 = add-one). Throws when `data` is empty.
  static StanceModel train(const std::vector<LabelledText>& data, double alpha = 1.0);
  StanceSuggestion suggest(const std::string& text) const;
  std::size_t vocabulary_size() const { return vocabulary_.size(); }

 private:
  double alpha_ = 1.0;
  std::array<double, 3> log_prior_{};
  std::array<double, 3> total_{};                        // words seen per class
  std::map<std::string, std::array<double, 3>> counts_;  // word -> count per class
  std::map<std::string, int> vocabulary_;
  double log_likelihood(const std::string& word, int c) const;
};

struct CrossValidation {
  int folds = 0;  // 0 = leave-one-out
  int n = 0, correct = 0;
  int majority_correct = 0;  // always predicting the training folds' most common stance
  std::array<std::array<int, 3>, 3> confusion{};  // [true][predicted]
  double accuracy() const { return n ? static_cast<double>(correct) / n : 0.0; }
  double majority_accuracy() const { return n ? static_cast<double>(majority_correct) / n : 0.0; }
};

// folds = 0: leave-one-out; k >= 2: item i is in fold i mod k (deterministic).
CrossValidation cross_validate(const std::vector<LabelledText>& data, int folds,
                               double alpha = 1.0);

}  // namespace kiort::evidence
