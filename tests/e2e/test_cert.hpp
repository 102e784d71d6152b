// A self-signed certificate for the TLS tests, made with the OpenSSL C API (no openssl
// program, no files checked in): an EC P-256 key and an X.509 v3 certificate with
// subjectAltName IP:127.0.0.1 and DNS:localhost, valid from an hour ago for a day.
#pragma once

#include <string>

namespace sotay::e2e {

struct cert_files {
    std::string cert;  // PEM certificate; also what a client trusts (ca_file)
    std::string key;   // PEM private key
};

// Writes <dir>/<name>.crt and <dir>/<name>.key. Each call makes a new key, so two
// certificates never trust each other. Throws std::runtime_error with OpenSSL's reason.
cert_files write_test_cert(const std::string& dir, const std::string& name);

}  // namespace sotay::e2e
