// vlsi tokenizer encode|decode|train: line-oriented JSON in, JSON out, so the
// commands compose with other tools and with the `tokenizers` reference in tests.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "vlsi/cli/commands.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/text/bpe_trainer.h"
#include "vlsi/text/tokenizer.h"

namespace vlsi::cli {
namespace {

using nlohmann::json;

void run_encode(const std::string& path, bool parse_special) {
  text::Tokenizer tok = text::Tokenizer::from_file(path);
  std::string line;
  for (int64_t n = 1; std::getline(std::cin, line); ++n) {
    const std::string where = "stdin line " + std::to_string(n);
    json j = io::parse_json(line, where);
    check(j.is_string(), where, ": expected a JSON string, got ", io::json_type_name(j));
    std::cout << json(tok.encode(j.get_ref<const std::string&>(), parse_special)).dump() << '\n' << std::flush;
  }
}

void run_decode(const std::string& path, bool skip_special) {
  text::Tokenizer tok = text::Tokenizer::from_file(path);
  std::string line;
  for (int64_t n = 1; std::getline(std::cin, line); ++n) {
    const std::string where = "stdin line " + std::to_string(n);
    json j = io::parse_json(line, where);
    bool ok = j.is_array();
    for (const auto& e : j) ok = ok && e.is_number_integer();
    check(ok, where, ": expected a JSON array of integer token ids, got ", j.is_array() ? "an array with a non-integer" : io::json_type_name(j));
    std::string out;
    try {
      out = tok.decode(j.get<std::vector<int64_t>>(), skip_special);
    } catch (const Error& e) {
      fail(where, ": ", e.what());
    }
    std::cout << json(out).dump() << '\n' << std::flush;
  }
}

// A .jsonl file holds one text per line (a JSON string, or an object with a
// "text" string); any other file is one text as a whole.
void feed_file(text::BpeTrainer& trainer, const std::string& path) {
  std::string content = io::read_file(path);
  const bool jsonl = path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
  if (!jsonl) {
    trainer.add_text(content);
    return;
  }
  size_t start = 0;
  for (int64_t n = 1; start < content.size(); ++n) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string line = content.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(n);
    json j = io::parse_json_line(line, path, n);
    if (j.is_object()) j = io::get_field<std::string>(j, "text", where);
    check(j.is_string(), where, ": expected a JSON string or an object with a \"text\" string, got ", io::json_type_name(j));
    trainer.add_text(j.get_ref<const std::string&>());
  }
}

void run_train(const std::vector<std::string>& inputs, int64_t vocab_size, const std::vector<std::string>& specials,
               int64_t min_frequency, const std::string& out) {
  auto t0 = std::chrono::steady_clock::now();
  text::BpeTrainerOptions opt;
  opt.vocab_size = vocab_size;
  opt.special_tokens = specials;
  opt.min_frequency = min_frequency;
  text::BpeTrainer trainer(opt);
  for (const auto& p : inputs) feed_file(trainer, p);
  json j = trainer.train();
  // Load what we wrote before claiming success: it must be a valid tokenizer.
  text::Tokenizer tok = text::Tokenizer::from_json(j, out);
  io::write_json_file(out, j);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "tokenizer: %lld tokens (%zu merges, %zu special) from %lld distinct words in %.2f s -> %s\n",
               static_cast<long long>(tok.vocab_size()), j["model"]["merges"].size(), specials.size(),
               static_cast<long long>(trainer.distinct_words()), secs, out.c_str());
}

}  // namespace

void register_tokenizer_commands(CLI::App& app) {
  auto* tok = app.add_subcommand("tokenizer", "Encode, decode or train a byte-level BPE tokenizer.json");
  tok->require_subcommand(1);

  auto enc_path = std::make_shared<std::string>();
  auto no_parse_special = std::make_shared<bool>(false);
  auto* enc = tok->add_subcommand("encode", "Read one JSON string per line on stdin; print one JSON array of ids per line");
  enc->add_option("--tokenizer", *enc_path, "tokenizer.json to use")->required()->check(CLI::ExistingFile);
  enc->add_flag("--no-parse-special", *no_parse_special, "Treat special tokens written in the text as plain text");
  enc->callback([=] {
    std::ios::sync_with_stdio(false);
    run_encode(*enc_path, !*no_parse_special);
  });

  auto dec_path = std::make_shared<std::string>();
  auto skip_special = std::make_shared<bool>(false);
  auto* dec = tok->add_subcommand("decode", "Read one JSON array of ids per line on stdin; print one JSON string per line");
  dec->add_option("--tokenizer", *dec_path, "tokenizer.json to use")->required()->check(CLI::ExistingFile);
  dec->add_flag("--skip-special", *skip_special, "Leave special tokens out of the text");
  dec->callback([=] {
    std::ios::sync_with_stdio(false);
    run_decode(*dec_path, *skip_special);
  });

  auto inputs = std::make_shared<std::vector<std::string>>();
  auto specials = std::make_shared<std::vector<std::string>>();
  auto vocab_size = std::make_shared<int64_t>(0);
  auto min_frequency = std::make_shared<int64_t>(2);
  auto out = std::make_shared<std::string>();
  auto* train = tok->add_subcommand("train", "Learn a byte-level BPE tokenizer (NFC + Qwen2 split regex) from text files");
  train->add_option("--input", *inputs, "Text files (.jsonl: one JSON string or {\"text\": ...} per line; other: whole file)")
      ->required()
      ->check(CLI::ExistingFile);
  train->add_option("--vocab-size", *vocab_size, "Total vocabulary size, 256 bytes and special tokens included")->required();
  train->add_option("--special", *specials, "Special tokens, e.g. <|endoftext|> <|im_start|> <|im_end|> <image>");
  train->add_option("--min-frequency", *min_frequency, "Never merge pairs seen fewer times")->capture_default_str();
  train->add_option("--out", *out, "Where to write tokenizer.json")->required();
  train->callback([=] { run_train(*inputs, *vocab_size, *specials, *min_frequency, *out); });
}

}  // namespace vlsi::cli
