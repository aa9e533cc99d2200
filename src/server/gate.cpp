#include "server/gate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <list>
#include <map>
#include <vector>

#include "core/error.h"

namespace kiort {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxBufferedAnswer = 1 << 20;  // stop reading the server beyond this

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string answer(int status, const char* reason, const std::string& message,
                   const std::string& extra_headers = {}) {
  const std::string body = "{\"error\":\"" + message + "\"}";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nConnection: close\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct Conn {
  int client = -1, upstream = -1;
  std::string address;
  bool relaying = false, closing = false, upstream_eof = false, continued = false;
  std::string in, to_upstream, to_client;
  Clock::time_point deadline;
};

// Parses a complete request head in c.in (ending at head_end, the index after "\r\n\r\n"); on
// success fills `forward` with the request to send upstream and returns 0, else an HTTP status.
int build_forward(const std::string& in, std::size_t head_end, const GateLimits& limits,
                  const std::string& address, const std::string& secret, std::string& forward,
                  bool& expect_continue) {
  const std::size_t line_end = in.find("\r\n");
  std::string out = in.substr(0, line_end + 2);
  std::size_t content_length = 0;
  std::size_t pos = line_end + 2;
  while (pos + 2 <= head_end - 2) {
    const std::size_t e = in.find("\r\n", pos);
    if (e == std::string::npos || e > head_end - 2) break;
    const std::string line = in.substr(pos, e - pos);
    pos = e + 2;
    const auto colon = line.find(':');
    if (colon == std::string::npos) return 400;
    const std::string key = lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (key == "transfer-encoding") return 411;
    if (key == "content-length") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
          value.size() > 9)
        return 400;
      content_length = std::stoul(value);
      if (content_length > limits.max_body_bytes) return 413;
    }
    // The gate sets these itself: a client may not.
    if (key == "expect") {  // the gate answers 100 Continue itself
      expect_continue = lower(value) == "100-continue";
      continue;
    }
    if (key == "connection" || key == "keep-alive" || key == "x-kiort-peer" ||
        key == "x-kiort-gate")
      continue;
    out += line + "\r\n";
  }
  if (in.size() < head_end + content_length)
    return 0;  // body not complete yet: forward stays empty
  out +=
      "Connection: close\r\nX-Kiort-Peer: " + address + "\r\nX-Kiort-Gate: " + secret + "\r\n\r\n";
  out.append(in, head_end, content_length);
  forward = std::move(out);
  return 0;
}

const char* reason_of(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 502:
      return "Bad Gateway";
    default:
      return "Service Unavailable";
  }
}

std::string message_of(int status, const GateLimits& l) {
  switch (status) {
    case 408:
      return "the request did not arrive within " +
             std::to_string(l.request_deadline.count() / 1000) + " s";
    case 411:
      return "a body needs Content-Length (chunked bodies are not accepted)";
    case 413:
      return "request body larger than " + std::to_string(l.max_body_bytes) + " bytes";
    case 431:
      return "request header larger than " + std::to_string(l.max_header_bytes) + " bytes";
    case 502:
      return "the server behind the gate did not answer";
    default:
      return "malformed request";
  }
}

}  // namespace

ConnectionGate::ConnectionGate(GateLimits limits, int upstream_port, std::string secret)
    : limits_(limits), upstream_port_(upstream_port), secret_(std::move(secret)) {
  if (::pipe(wake_) != 0) throw Error::internal("cannot create the gate's wake-up pipe");
  set_nonblocking(wake_[0]);
  set_nonblocking(wake_[1]);
}

ConnectionGate::~ConnectionGate() {
  for (int fd : {listen_fd_, wake_[0], wake_[1]})
    if (fd >= 0) ::close(fd);
}

int ConnectionGate::bind(const std::string& address, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(address.c_str(), service.c_str(), &hints, &res) != 0 || res == nullptr)
    throw Error::bad_input("cannot resolve the address to listen on").field("--bind").seen(address);
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 512) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd < 0)
    throw Error::bad_input("cannot bind (address in use or not local)")
        .field("--bind/--port")
        .seen(address + ":" + service);
  set_nonblocking(fd);
  listen_fd_ = fd;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

void ConnectionGate::stop() {
  stopping_ = true;
  const char b = 1;
  [[maybe_unused]] const auto n = ::write(wake_[1], &b, 1);
}

void ConnectionGate::run() {
  std::list<Conn> conns;
  std::map<std::string, std::size_t> per_client;
  auto close_conn = [&](std::list<Conn>::iterator it) {
    if (it->client >= 0) ::close(it->client);
    if (it->upstream >= 0) ::close(it->upstream);
    if (auto pc = per_client.find(it->address); pc != per_client.end() && --pc->second == 0)
      per_client.erase(pc);
    return conns.erase(it);
  };
  // Best effort: the answer is small and the socket buffer empty, so one send suffices.
  auto refuse = [&](Conn& c, int status, const std::string& extra = {}) {
    const std::string a = answer(status, reason_of(status), message_of(status, limits_), extra);
    [[maybe_unused]] const auto n = ::send(c.client, a.data(), a.size(), MSG_NOSIGNAL);
    c.closing = true;
  };

  std::vector<pollfd> fds;
  std::vector<std::pair<Conn*, bool>> owners;  // per fds entry after the first two: conn, upstream?
  while (!stopping_) {
    fds.clear();
    owners.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    auto now = Clock::now();
    int timeout_ms = 1000;
    for (Conn& c : conns) {
      timeout_ms = std::min<int>(
          timeout_ms,
          static_cast<int>(std::max<long>(
              0, std::chrono::duration_cast<std::chrono::milliseconds>(c.deadline - now).count())));
      short cev = 0;
      if (!c.relaying) cev |= POLLIN;
      if (!c.to_client.empty()) cev |= POLLOUT;
      fds.push_back({c.client, cev, 0});
      owners.emplace_back(&c, false);
      if (c.upstream >= 0) {
        short uev = 0;
        if (!c.upstream_eof && c.to_client.size() < kMaxBufferedAnswer) uev |= POLLIN;
        if (!c.to_upstream.empty()) uev |= POLLOUT;
        fds.push_back({c.upstream, uev, 0});
        owners.emplace_back(&c, true);
      }
    }
    const int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) break;
    now = Clock::now();
    // New connections: count per client address; refuse beyond the bounds.
    if (fds[1].revents & POLLIN) {
      for (int k = 0; k < 64; ++k) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        char host[INET6_ADDRSTRLEN] = "?";
        if (ss.ss_family == AF_INET6)
          ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, host,
                      sizeof host);
        else
          ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, host, sizeof host);
        Conn c;
        c.client = fd;
        c.address = host;
        c.deadline = now + limits_.request_deadline;
        const std::size_t mine = ++per_client[c.address];
        conns.push_back(std::move(c));
        if (mine > limits_.max_connections_per_client || conns.size() > limits_.max_connections) {
          refuse(conns.back(), 503, "Retry-After: 2\r\n");
          close_conn(std::prev(conns.end()));
        }
      }
    }
    for (std::size_t i = 2; i < fds.size(); ++i) {
      Conn& c = *owners[i - 2].first;
      const bool up = owners[i - 2].second;
      const short ev = fds[i].revents;
      if (ev == 0 || c.closing) continue;
      if (!up) {
        if (c.relaying && (ev & (POLLHUP | POLLERR))) {  // the client is gone
          c.closing = true;
          continue;
        }
        if ((ev & POLLOUT) && !c.to_client.empty()) {
          const ssize_t w = ::send(c.client, c.to_client.data(), c.to_client.size(), MSG_NOSIGNAL);
          if (w > 0) {
            c.to_client.erase(0, static_cast<std::size_t>(w));
            c.deadline = now + limits_.idle_deadline;
          } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            c.closing = true;
          }
        }
        if ((ev & (POLLIN | POLLHUP | POLLERR)) && !c.relaying) {
          char buf[8192];
          const ssize_t r = ::recv(c.client, buf, sizeof buf, 0);
          if (r <= 0) {
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) c.closing = true;
            continue;
          }
          c.in.append(buf, static_cast<std::size_t>(r));
          const std::size_t head = c.in.find("\r\n\r\n");
          if (head == std::string::npos) {
            if (c.in.size() > limits_.max_header_bytes) refuse(c, 431);
            continue;
          }
          if (head + 4 > limits_.max_header_bytes) {
            refuse(c, 431);
            continue;
          }
          std::string forward;
          bool expect_continue = false;
          if (const int status = build_forward(c.in, head + 4, limits_, c.address, secret_, forward,
                                               expect_continue)) {
            refuse(c, status);
            continue;
          }
          if (forward.empty()) {  // the body is still coming
            if (expect_continue && !c.continued) {
              static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
              [[maybe_unused]] const auto w =
                  ::send(c.client, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL);
              c.continued = true;
            }
            continue;
          }
          // The request is complete: now, and only now, the HTTP server sees it.
          const int u = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
          sockaddr_in sa{};
          sa.sin_family = AF_INET;
          sa.sin_port = htons(static_cast<std::uint16_t>(upstream_port_));
          sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          if (u < 0 || ::connect(u, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
            if (u >= 0) ::close(u);
            refuse(c, 502);
            continue;
          }
          set_nonblocking(u);
          c.upstream = u;
          c.relaying = true;
          c.to_upstream = std::move(forward);
          c.in.clear();
          c.deadline = now + limits_.idle_deadline;
        }
      } else {
        if ((ev & POLLOUT) && !c.to_upstream.empty()) {
          const ssize_t w =
              ::send(c.upstream, c.to_upstream.data(), c.to_upstream.size(), MSG_NOSIGNAL);
          if (w > 0)
            c.to_upstream.erase(0, static_cast<std::size_t>(w));
          else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            c.closing = true;
        }
        if (ev & (POLLIN | POLLHUP | POLLERR)) {
          char buf[65536];
          const ssize_t r = ::recv(c.upstream, buf, sizeof buf, 0);
          if (r > 0) {
            c.to_client.append(buf, static_cast<std::size_t>(r));
            c.deadline = now + limits_.idle_deadline;
          } else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            c.upstream_eof = true;
          }
        }
      }
    }
    // Finished, failed or late connections.
    for (auto it = conns.begin(); it != conns.end();) {
      Conn& c = *it;
      const bool done = c.relaying && c.upstream_eof && c.to_client.empty();
      if (!c.closing && !done && now >= c.deadline) {
        if (!c.relaying) refuse(c, 408);
        c.closing = true;
      }
      it = (c.closing || done) ? close_conn(it) : std::next(it);
    }
  }
  while (!conns.empty()) close_conn(conns.begin());
}

}  // namespace kiort
