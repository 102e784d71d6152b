#include "tls_support.hpp"

#include <sotay/sync/codec.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <fstream>
#include <memory>
#include <stdexcept>

namespace sotay::sdk_test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// OpenSSL objects freed by their own functions.
struct pkey_free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const { X509_free(p); }
};
struct bio_free {
    void operator()(BIO* p) const { BIO_free(p); }
};

void check(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string("test certificate: ") + what + " failed");
    }
}

void add_extension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "an extension");
    const int added = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    check(added == 1, "adding an extension");
}

template <typename Write>
std::string pem_of(Write write) {
    std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr && write(bio.get()) == 1, "writing PEM");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// Reads and writes on the server side give up after this: a test that goes wrong must
// fail, not hang the suite.
constexpr int socket_timeout_s = 5;

void bound_io(tcp::socket& s) {
    const timeval tv{socket_timeout_s, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

test_cert make_test_cert(const std::vector<std::string>& dns_names,
                         const std::vector<std::string>& ip_addresses) {
    std::unique_ptr<EVP_PKEY, pkey_free> key(EVP_EC_gen("P-256"));
    check(key != nullptr, "key generation");
    std::unique_ptr<X509, x509_free> cert(X509_new());
    check(cert != nullptr, "X509_new");
    unsigned char serial[8];
    check(RAND_bytes(serial, sizeof serial) == 1, "RAND_bytes");
    serial[0] &= 0x7F;  // a positive serial
    std::uint64_t serial_value = 0;
    for (const auto b : serial) {
        serial_value = (serial_value << 8) | b;
    }
    check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");  // v3
    check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial_value) == 1,
          "the serial");
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
    // A distinct name per certificate: a trust store holding another test certificate
    // must not mistake it for this one's issuer.
    const std::string cn = "sotay test " + std::to_string(serial_value);
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                     0) == 1,
          "the subject");
    check(X509_set_issuer_name(cert.get(), name) == 1, "the issuer");
    std::string alt;
    for (const auto& d : dns_names) {
        alt += (alt.empty() ? "" : ",") + std::string("DNS:") + d;
    }
    for (const auto& ip : ip_addresses) {
        alt += (alt.empty() ? "" : ",") + std::string("IP:") + ip;
    }
    // As `openssl req -x509` makes them: a CA certificate that signs itself.
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_subject_key_identifier, "hash");
    if (!alt.empty()) {
        add_extension(cert.get(), NID_subject_alt_name, alt);
    }
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    test_cert out;
    out.cert_pem = pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
    out.key_pem = pem_of([&](BIO* b) {
        return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    return out;
}

std::string write_file(const temp_dir& dir, const std::string& name, const std::string& text) {
    const auto path = dir.file(name);
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
}

// ---------------------------------------------------------------------------------------

test_server::test_server(settings s)
    : settings_(std::move(s)),
      acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { loop(); });
}

// The accept blocks in the server thread: a connection of our own wakes it to see stop_.
test_server::~test_server() {
    stop_ = true;
    try {
        asio::io_context ioc;
        tcp::socket wake(ioc);
        wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    } catch (const std::exception&) {
        // The acceptor is gone already; the thread has ended or is ending.
    }
    thread_.join();
}

std::vector<test_server::request_seen> test_server::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::vector<std::string> test_server::hello_device_ids() const {
    std::lock_guard lock(mutex_);
    return hellos_;
}

std::vector<std::string> test_server::server_names() const {
    std::lock_guard lock(mutex_);
    return server_names_;
}

void test_server::loop() {
    while (!stop_) {
        tcp::socket socket(ioc_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (stop_ || ec) {
            continue;
        }
        bound_io(socket);
        try {
            serve(std::move(socket));
        } catch (const std::exception&) {
            ++failed_;  // e.g. the client refused the certificate: expected by some tests
        }
    }
}

namespace {

// One WebSocket conversation: the upgrade with the subprotocol offered, hello, welcome.
// What arrived is noted before it is answered: a client that has its answer may check.
template <typename Next, typename Note>
void serve_websocket(Next& next, const std::optional<std::uint16_t>& close_code, Note note) {
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(next, buffer, req);
    const std::string offered(req[http::field::sec_websocket_protocol]);
    websocket::stream<Next&> ws(next);
    ws.set_option(websocket::stream_base::decorator([offered](websocket::response_type& res) {
        res.set(http::field::sec_websocket_protocol, offered);
    }));
    ws.accept(req);
    const auto format =
        offered == sync::subprotocol_json ? sync::wire_format::json : sync::wire_format::binary;
    beast::flat_buffer in;
    ws.read(in);
    const auto data = in.cdata();
    const auto m =
        sync::decode(format, std::string_view(static_cast<const char*>(data.data()), data.size()));
    const auto* hello = m ? std::get_if<sync::hello_msg>(&*m) : nullptr;
    if (hello == nullptr) {
        throw std::runtime_error("test server: the first message is not a hello");
    }
    note(hello->device_id);
    sync::welcome_msg welcome;
    welcome.server_time = real_now_ms();
    ws.binary(format == sync::wire_format::binary);
    ws.write(asio::buffer(sync::encode(format, welcome)));
    if (close_code) {
        ws.close(websocket::close_reason(*close_code));
    } else {
        // Read until the client closes (a close frame, or the socket).
        boost::system::error_code ec;
        while (!ec) {
            beast::flat_buffer more;
            ws.read(more, ec);
        }
    }
}

template <typename Next, typename Note>
void serve_http(Next& next, unsigned status, const std::string& body,
                const std::string& content_type, Note note) {
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(next, buffer, req);
    note(test_server::request_seen{std::string(req.method_string()), std::string(req.target()),
                                   std::string(req[http::field::content_type]), req.body()});
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, content_type);
    res.keep_alive(false);
    res.body() = body;
    res.prepare_payload();
    http::write(next, res);
}

}  // namespace

void test_server::serve(tcp::socket socket) {
    if (settings_.what == kind::silent) {
        held_.push_back(std::move(socket));
        return;
    }
    const auto converse = [this](auto& next) {
        if (settings_.what == kind::websocket) {
            serve_websocket(next, settings_.close_after_welcome, [this](std::string id) {
                std::lock_guard lock(mutex_);
                hellos_.push_back(std::move(id));
            });
        } else {
            serve_http(next, settings_.status, settings_.body, settings_.content_type,
                       [this](request_seen seen) {
                           std::lock_guard lock(mutex_);
                           requests_.push_back(std::move(seen));
                       });
        }
    };
    if (!settings_.tls) {
        converse(socket);
        return;
    }
    ssl::context ctx(ssl::context::tls_server);
    ctx.use_certificate_chain(asio::buffer(settings_.cert.cert_pem));
    ctx.use_private_key(asio::buffer(settings_.cert.key_pem), ssl::context::pem);
    ssl::stream<tcp::socket> stream(std::move(socket), ctx);
    stream.handshake(ssl::stream_base::server);
    {
        const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
        std::lock_guard lock(mutex_);
        server_names_.push_back(sni != nullptr ? sni : "");
    }
    converse(stream);
    boost::system::error_code ignored;
    stream.shutdown(ignored);
}

}  // namespace sotay::sdk_test
