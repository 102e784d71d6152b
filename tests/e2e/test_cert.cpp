#include "test_cert.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>

namespace sotay::e2e {

namespace {

struct pkey_free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const { X509_free(p); }
};
struct ext_free {
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct file_close {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

[[noreturn]] void fail(const std::string& what) {
    char reason[256] = "no OpenSSL error queued";
    if (const unsigned long code = ERR_get_error(); code != 0) {
        ERR_error_string_n(code, reason, sizeof reason);
    }
    throw std::runtime_error("test certificate: " + what + ": " + reason);
}

void check(int ok, const std::string& what) {
    if (ok != 1) fail(what);
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
    std::unique_ptr<X509_EXTENSION, ext_free> ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
    if (!ext) fail(std::string("extension ") + value);
    check(X509_add_ext(cert, ext.get(), -1), std::string("add extension ") + value);
}

void add_name(X509_NAME* name, const char* field, const char* value) {
    check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value), -1, -1, 0),
          std::string("name field ") + field);
}

std::unique_ptr<std::FILE, file_close> open_for_writing(const std::string& path) {
    std::unique_ptr<std::FILE, file_close> f(std::fopen(path.c_str(), "wb"));
    if (!f) throw std::runtime_error("test certificate: cannot write " + path);
    return f;
}

}  // namespace

cert_files write_test_cert(const std::string& dir, const std::string& name) {
    std::unique_ptr<EVP_PKEY, pkey_free> key(EVP_EC_gen("P-256"));
    if (!key) fail("EC key generation");

    std::unique_ptr<X509, x509_free> cert(X509_new());
    if (!cert) fail("X509_new");
    check(X509_set_version(cert.get(), 2), "version");  // 2 = X.509 v3
    // A random serial: two certificates of one test must not look like the same one.
    std::random_device random;
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(random() >> 1)),
          "serial");
    // From an hour ago: a test machine's clock a little behind still accepts it.
    if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr) fail("notBefore");
    if (X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) == nullptr) fail("notAfter");
    check(X509_set_pubkey(cert.get(), key.get()), "public key");

    X509_NAME* subject = X509_get_subject_name(cert.get());
    add_name(subject, "O", "sotay tests");
    add_name(subject, "CN", "localhost");
    check(X509_set_issuer_name(cert.get(), subject), "issuer");

    // Self-signed: its own issuer, so a client that trusts this file trusts the server.
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
    add_extension(cert.get(), &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("sign");

    cert_files files{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
    {
        auto f = open_for_writing(files.cert);
        check(PEM_write_X509(f.get(), cert.get()), "write " + files.cert);
    }
    {
        auto f = open_for_writing(files.key);
        check(PEM_write_PrivateKey(f.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr),
              "write " + files.key);
    }
    return files;
}

}  // namespace sotay::e2e
