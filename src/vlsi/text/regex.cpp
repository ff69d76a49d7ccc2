#include "vlsi/text/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "vlsi/io/error.h"

namespace vlsi::text {

struct Regex::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() {
    if (code) pcre2_code_free(code);
  }
};

namespace {

// PCRE2's text for an error code. A code it does not know (a match count,
// which this was once called with) leaves the buffer untouched: reading it
// overflowed the stack (a fuzzing finding), so the buffer starts empty.
std::string pcre2_message(int err) {
  PCRE2_UCHAR buf[256] = {0};
  const int rc = pcre2_get_error_message(err, buf, sizeof(buf));
  if (rc < 0 && rc != PCRE2_ERROR_NOMEMORY) return "PCRE2 error " + std::to_string(err);
  return std::string(reinterpret_cast<const char*>(buf));  // truncated messages are still terminated
}

// Per-thread scratch: match data cannot be shared between threads, and
// allocating it per call would cost more than most matches.
struct ThreadScratch {
  pcre2_match_data* data;
  pcre2_jit_stack* jit_stack;
  pcre2_match_context* context;
  ThreadScratch() {
    data = pcre2_match_data_create(64, nullptr);
    // A large JIT stack so long whitespace/letter runs never hit the limit.
    jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    context = pcre2_match_context_create(nullptr);
    pcre2_jit_stack_assign(context, nullptr, jit_stack);
  }
  ~ThreadScratch() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_data_free(data);
  }
};

ThreadScratch& scratch() {
  thread_local ThreadScratch s;
  return s;
}

size_t next_code_point_start(std::string_view s, size_t i) {
  ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return i;
}

}  // namespace

Regex::Regex(const std::string& pcre2_pattern, const std::string& where) : pattern_(pcre2_pattern), where_(where) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  auto code = std::make_shared<Code>();
  code->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pcre2_pattern.data()), pcre2_pattern.size(),
                             PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
  // Messages only on failure: check() evaluates its arguments even when the test passes.
  if (!code->code) fail(where, ": cannot compile regex at offset ", offset, ": ", pcre2_message(err));
  code->jit = pcre2_jit_compile(code->code, PCRE2_JIT_COMPLETE) == 0;
  code_ = std::move(code);
}

void Regex::find_all(std::string_view text, std::vector<Span>& out) const {
  out.clear();
  ThreadScratch& s = scratch();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0;
  while (pos <= text.size()) {
    int rc = code_->jit ? pcre2_jit_match(code_->code, subject, text.size(), pos, 0, s.data, s.context)
                        : pcre2_match(code_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, s.data, s.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) fail(where_, ": regex match failed: ", pcre2_message(rc));
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(s.data);
    Span m{ov[0], ov[1]};
    out.push_back(m);
    if (m.end > m.begin) pos = m.end;
    else if (m.begin >= text.size()) break;
    else pos = next_code_point_start(text, m.begin);
  }
}

bool Regex::full_match(std::string_view text) const {
  ThreadScratch& s = scratch();
  int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                       PCRE2_ANCHORED | PCRE2_ENDANCHORED, s.data, s.context);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) fail(where_, ": regex match failed: ", pcre2_message(rc));
  return true;
}

}  // namespace vlsi::text
