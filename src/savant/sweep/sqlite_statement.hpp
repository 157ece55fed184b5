#pragma once
// A prepared SQLite statement with checked steps, for the sweep database's files
// (database.cpp, database_read.cpp, database_write.cpp); not part of the library's interface.

#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "savant/core/error.hpp"

namespace savant::sqlite {

// SQLite's message; for a full disk or a file-size limit SQLite says only "disk I/O error",
// so the system's reason is added.
inline std::string error_text(sqlite3* db, int rc) {
  std::string text = sqlite3_errmsg(db);
  const int system_errno = sqlite3_system_errno(db);
  if (((rc & 0xff) == SQLITE_IOERR || rc == SQLITE_FULL) && system_errno != 0) {
    text += fmt::format(" ({})", std::strerror(system_errno));
  }
  return text;
}

// The error of SQLite's result `rc` on the database `path`, of its kind: the system's refusal
// (I/O, a full disk, permissions, a lock held too long) with its errno, out of memory, or a
// database whose content savant cannot use.
[[noreturn]] inline void throw_error(sqlite3* db, int rc, const std::filesystem::path& path,
                                     const std::string& message) {
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw SystemError(message, sqlite3_system_errno(db), path.string());
    case SQLITE_NOMEM:
      throw ResourceError(message);
    default:
      throw InputError(message);
  }
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::filesystem::path& path) : path_(path) {
    if (const int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); rc != SQLITE_OK) {
      throw_error(db, rc, path,
                  fmt::format("{}: cannot prepare a query: {}", path.string(), sqlite3_errmsg(db)));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, double v) {
    // SQLite stores NaN as NULL; read_real turns NULL back into NaN.
    if (std::isnan(v)) {
      sqlite3_bind_null(stmt_, i);
    } else {
      sqlite3_bind_double(stmt_, i, v);
    }
    return *this;
  }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3* db = sqlite3_db_handle(stmt_);
    throw_error(db, rc, path_, fmt::format("{}: {}", path_.string(), error_text(db, rc)));
  }
  void run() {
    step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  double real(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL ? std::nan("")
                                                          : sqlite3_column_double(stmt_, col);
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::filesystem::path path_;
};

inline std::int64_t as_int(std::size_t v) {
  return static_cast<std::int64_t>(v);
}

}  // namespace savant::sqlite
