#pragma once
// Errors as OpenAI's API answers them: an HTTP status and the body
// {"error": {"message", "type", "param", "code"}}. Everything a client can
// get wrong is thrown as an ApiError naming the field (param) and what was
// expected, so a bad request never reaches the model.
#include <stdexcept>
#include <string>

namespace vlsi::serve {

struct ApiError : std::runtime_error {
  ApiError(int status, std::string message, std::string param = "", std::string code = "");
  int status;           // 400, 404, 405, 408, 413, 422, 429, 500
  std::string param;    // the request field at fault ("messages[0].content"), "" when none
  std::string code;     // machine-readable reason ("invalid_type"), "" when none
  std::string type() const;  // "invalid_request_error", "rate_limit_error", ...
};

// 400 invalid_request_error about `param`.
[[noreturn]] void reject(const std::string& param, const std::string& message, const std::string& code = "invalid_value");

// The JSON body of the error (param and code are null when empty).
std::string error_body(const ApiError& e);
std::string error_body(int status, const std::string& message, const std::string& code = "");

}  // namespace vlsi::serve
