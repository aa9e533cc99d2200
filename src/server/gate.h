// The connection gate in front of kiort serve's HTTP server. cpp-httplib gives every connection a
// worker thread from the moment it is accepted, so eight clients sending one header line every
// 2 s held all eight workers and took the server offline. The gate accepts every connection
// itself, reads requests in one poll() thread (no thread per connection), and hands a request to
// the HTTP server (on a loopback port of its own) only once its header and body are complete:
// a slow client costs a socket, never a worker. It also enforces what httplib cannot:
//   - a deadline for the whole request (header + body) from accept: 408 after it;
//   - a bound on open connections per client address (and in all): 503 + Retry-After beyond it;
//   - header and body size limits (431, 413) and Content-Length bodies only (411 for chunked).
// Each request is forwarded with "Connection: close", the client's address in X-Kiort-Peer and a
// per-process secret in X-Kiort-Gate, so the server trusts the address only from the gate.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

namespace kiort {

struct GateLimits {
  std::size_t max_connections_per_client = 32;
  std::size_t max_connections = 1024;
  std::chrono::milliseconds request_deadline{10000};  // header and body, from accept
  std::chrono::milliseconds idle_deadline{30000};     // relaying the answer without progress
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
};

class ConnectionGate {
 public:
  // upstream_port: the HTTP server's port on 127.0.0.1; secret: sent in X-Kiort-Gate.
  ConnectionGate(GateLimits limits, int upstream_port, std::string secret);
  ~ConnectionGate();
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  // Binds and listens; returns the port (the chosen one for port 0). Throws kiort::Error.
  int bind(const std::string& address, int port);
  void run();   // serves until stop(); call once, from one thread
  void stop();  // from any thread

 private:
  GateLimits limits_;
  int upstream_port_;
  std::string secret_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
};

}  // namespace kiort
