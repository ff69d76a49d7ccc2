#pragma once
// The message of the vlsi::Error a call throws, and the check most
// hostile-input tests make: one line that contains the expected part.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "vlsi/io/error.h"

namespace vlsi::test_messages {

// The message of the vlsi::Error `f` throws; "" when it returns normally.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline void expect_one_line_error(const std::function<void()>& f, const std::string& part) {
  const std::string msg = error_of(f);
  EXPECT_NE(msg.find(part), std::string::npos) << "expected an error containing '" << part << "', got: " << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

}  // namespace vlsi::test_messages
