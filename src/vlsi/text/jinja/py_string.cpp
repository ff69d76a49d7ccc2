#include "vlsi/text/jinja/py_string.h"

#include <utf8proc.h>

#include <algorithm>

#include "vlsi/text/utf8.h"

namespace vlsi::text::jinja {

bool py_is_space(char32_t cp) { return (cp >= 0x1C && cp <= 0x1F) || is_white_space(cp); }

int64_t py_len(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::vector<size_t> code_point_offsets(const std::string& s) {
  std::vector<size_t> out;
  out.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) out.push_back(i);
  out.push_back(s.size());
  return out;
}

std::vector<int64_t> slice_positions(int64_t length, std::optional<int64_t> start, std::optional<int64_t> stop,
                                     int64_t step) {
  // CPython's PySlice_AdjustIndices.
  const bool back = step < 0;
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) {
      x += length;
      if (x < 0) x = back ? -1 : 0;
    } else if (x >= length) {
      x = back ? length - 1 : length;
    }
    return x;
  };
  const int64_t lo = clamp(start, back ? length - 1 : 0);
  const int64_t hi = clamp(stop, back ? -1 : length);
  std::vector<int64_t> out;
  if (back)
    for (int64_t i = lo; i > hi; i += step) out.push_back(i);
  else
    for (int64_t i = lo; i < hi; i += step) out.push_back(i);
  return out;
}

std::optional<std::string> py_char_at(const std::string& s, int64_t index) {
  const auto offs = code_point_offsets(s);
  const int64_t n = static_cast<int64_t>(offs.size()) - 1;
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  return s.substr(offs[index], offs[index + 1] - offs[index]);
}

std::string py_slice(const std::string& s, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  const auto offs = code_point_offsets(s);
  std::string out;
  for (int64_t i : slice_positions(static_cast<int64_t>(offs.size()) - 1, start, stop, step))
    out.append(s, offs[i], offs[i + 1] - offs[i]);
  return out;
}

namespace {
std::vector<char32_t> decode_all(const std::string& s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) out.push_back(next_code_point(s, i));
  return out;
}
}  // namespace

std::string py_strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right) {
  const auto offs = code_point_offsets(s);
  const auto cps = decode_all(s);
  const auto strip_set = chars ? decode_all(*chars) : std::vector<char32_t>{};
  auto strippable = [&](char32_t c) {
    return chars ? std::find(strip_set.begin(), strip_set.end(), c) != strip_set.end() : py_is_space(c);
  };
  size_t b = 0, e = cps.size();
  if (left)
    while (b < e && strippable(cps[b])) ++b;
  if (right)
    while (e > b && strippable(cps[e - 1])) --e;
  return s.substr(offs[b], offs[e] - offs[b]);
}

std::vector<std::string> py_split(const std::string& s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    size_t from = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      const size_t at = s.find(*sep, from);
      if (at == std::string::npos) break;
      out.push_back(s.substr(from, at - from));
      from = at + sep->size();
    }
    out.push_back(s.substr(from));
    return out;
  }
  const auto offs = code_point_offsets(s);
  const auto cps = decode_all(s);
  size_t i = 0;
  while (true) {
    while (i < cps.size() && py_is_space(cps[i])) ++i;
    if (i == cps.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
      size_t e = cps.size();
      while (e > i && py_is_space(cps[e - 1])) --e;
      out.push_back(s.substr(offs[i], offs[e] - offs[i]));
      break;
    }
    size_t j = i;
    while (j < cps.size() && !py_is_space(cps[j])) ++j;
    out.push_back(s.substr(offs[i], offs[j] - offs[i]));
    i = j;
  }
  return out;
}

std::vector<std::string> py_rsplit(const std::string& s, const std::optional<std::string>& sep, int64_t maxsplit) {
  if (maxsplit < 0) return py_split(s, sep, maxsplit);
  std::vector<std::string> out;
  if (sep) {
    size_t to = s.size();
    while (static_cast<int64_t>(out.size()) < maxsplit && to >= sep->size()) {
      const size_t at = s.rfind(*sep, to - sep->size());
      if (at == std::string::npos) break;
      out.push_back(s.substr(at + sep->size(), to - at - sep->size()));
      to = at;
    }
    out.push_back(s.substr(0, to));
  } else {
    const auto offs = code_point_offsets(s);
    const auto cps = decode_all(s);
    size_t e = cps.size();
    while (true) {
      while (e > 0 && py_is_space(cps[e - 1])) --e;
      if (e == 0) break;
      if (static_cast<int64_t>(out.size()) == maxsplit) {
        size_t b = 0;
        while (b < e && py_is_space(cps[b])) ++b;
        out.push_back(s.substr(offs[b], offs[e] - offs[b]));
        break;
      }
      size_t b = e;
      while (b > 0 && !py_is_space(cps[b - 1])) --b;
      out.push_back(s.substr(offs[b], offs[e] - offs[b]));
      e = b;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string py_replace(const std::string& s, const std::string& old, const std::string& replacement, int64_t count) {
  std::string out;
  int64_t done = 0;
  if (old.empty()) {  // Python inserts the replacement before every code point and at the end
    const auto offs = code_point_offsets(s);
    for (size_t k = 0; k + 1 < offs.size(); ++k) {
      if (count < 0 || done < count) out += replacement, ++done;
      out.append(s, offs[k], offs[k + 1] - offs[k]);
    }
    if (count < 0 || done < count) out += replacement;
    return out;
  }
  size_t from = 0;
  while (count < 0 || done < count) {
    const size_t at = s.find(old, from);
    if (at == std::string::npos) break;
    out.append(s, from, at - from);
    out += replacement;
    from = at + old.size();
    ++done;
  }
  out.append(s, from, std::string::npos);
  return out;
}

int64_t py_find(const std::string& s, const std::string& sub) {
  const size_t at = s.find(sub);
  return at == std::string::npos ? -1 : py_len(s.substr(0, at));
}

int64_t py_count(const std::string& s, const std::string& sub) {
  if (sub.empty()) return py_len(s) + 1;
  int64_t n = 0;
  for (size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + sub.size())) ++n;
  return n;
}

namespace {
enum class CaseMap { Upper, Lower, Title };

char32_t map_case(char32_t c, CaseMap m) {
  const auto cp = static_cast<utf8proc_int32_t>(c);
  switch (m) {
    case CaseMap::Upper: return static_cast<char32_t>(utf8proc_toupper(cp));
    case CaseMap::Lower: return static_cast<char32_t>(utf8proc_tolower(cp));
    case CaseMap::Title: return static_cast<char32_t>(utf8proc_totitle(cp));
  }
  return c;
}

bool is_cased(char32_t c) {
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT;
}

std::string map_all(const std::string& s, CaseMap m) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) append_utf8(out, map_case(next_code_point(s, i), m));
  return out;
}
}  // namespace

std::string py_upper(const std::string& s) { return map_all(s, CaseMap::Upper); }
std::string py_lower(const std::string& s) { return map_all(s, CaseMap::Lower); }

std::string py_title(const std::string& s) {
  std::string out;
  bool previous_cased = false;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = next_code_point(s, i);
    append_utf8(out, map_case(c, previous_cased ? CaseMap::Lower : CaseMap::Title));
    previous_cased = is_cased(c);
  }
  return out;
}

std::string py_capitalize(const std::string& s) {
  std::string out;
  bool first = true;
  for (size_t i = 0; i < s.size(); first = false) append_utf8(out, map_case(next_code_point(s, i), first ? CaseMap::Title : CaseMap::Lower));
  return out;
}

namespace {
// Python's isupper/islower: at least one cased character and none of the other case.
bool all_cased_are(const std::string& s, bool upper) {
  bool any = false;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = next_code_point(s, i);
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    if (cat == UTF8PROC_CATEGORY_LT) return false;
    if (cat == UTF8PROC_CATEGORY_LU) {
      if (!upper) return false;
      any = true;
    } else if (cat == UTF8PROC_CATEGORY_LL) {
      if (upper) return false;
      any = true;
    }
  }
  return any;
}
}  // namespace

bool py_is_upper(const std::string& s) { return all_cased_are(s, true); }
bool py_is_lower(const std::string& s) { return all_cased_are(s, false); }

}  // namespace vlsi::text::jinja
