#include "vlsi/serve/api_error.h"

#include <nlohmann/json.hpp>

namespace vlsi::serve {

ApiError::ApiError(int status_, std::string message, std::string param_, std::string code_)
    : std::runtime_error(std::move(message)), status(status_), param(std::move(param_)), code(std::move(code_)) {}

std::string ApiError::type() const {
  switch (status) {
    case 404: return "not_found_error";
    case 408: return "timeout_error";
    case 429: return "rate_limit_error";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

void reject(const std::string& param, const std::string& message, const std::string& code) {
  throw ApiError(400, message, param, code);
}

std::string error_body(const ApiError& e) {
  nlohmann::json err = {{"message", e.what()}, {"type", e.type()}, {"param", nullptr}, {"code", nullptr}};
  if (!e.param.empty()) err["param"] = e.param;
  if (!e.code.empty()) err["code"] = e.code;
  // Replace, not throw, on invalid UTF-8: a message may quote the client's bytes.
  return nlohmann::json{{"error", err}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string error_body(int status, const std::string& message, const std::string& code) {
  return error_body(ApiError(status, message, "", code));
}

}  // namespace vlsi::serve
