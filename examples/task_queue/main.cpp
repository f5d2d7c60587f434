// A small task queue on the Hyphae library: one coordinator hands out TASKs
// ("square 7") to N workers, each worker computes and answers with a RESPONSE
// naming the task in reply_to, and the coordinator collects every answer.
// Exits 0 only if every task was answered, and answered correctly.
//
//   example_task_queue [--tasks 12] [--workers 3] [--timeout-ms 8000]
#include <fmt/core.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <hyphae/hyphae.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// The worker's job: "square N" -> "N*N"; anything else is answered with an error text.
std::string work(std::string_view task) {
  constexpr std::string_view kVerb = "square ";
  if (!task.starts_with(kVerb)) return "error: unknown task";
  const auto n = parse_int(task.substr(kVerb.size()));
  if (!n) return "error: not a number";
  return std::to_string(*n * *n);
}

struct Args {
  int tasks = 12;
  int workers = 3;
  std::chrono::milliseconds timeout = 8000ms;
};

std::optional<Args> parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const auto v = parse_int(argv[i + 1]);
    if (!v || *v <= 0) return std::nullopt;
    if (flag == "--tasks") {
      a.tasks = static_cast<int>(*v);
    } else if (flag == "--workers") {
      a.workers = static_cast<int>(*v);
    } else if (flag == "--timeout-ms") {
      a.timeout = std::chrono::milliseconds(*v);
    } else {
      return std::nullopt;
    }
  }
  if (argc % 2 == 0) return std::nullopt;  // a flag without its value
  return a;
}

// What the coordinator knows about one task it sent.
struct Task {
  std::int64_t n = 0;
  hyphae::NodeId worker;
  std::optional<std::string> answer;
};

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse_args(argc, argv);
  if (!args) {
    fmt::print(stderr, "usage: {} [--tasks N] [--workers N] [--timeout-ms MS]\n", argv[0]);
    return 2;
  }

  // The coordinator: answers arrive on its node thread (on_message), which
  // only files them; the main thread waits on a condition variable and
  // matches them to tasks. The main thread never calls into the node while
  // holding `mutex`: send() waits for the node thread, which may be waiting
  // for `mutex` in on_message.
  struct Answer {
    hyphae::NodeId from;
    std::string text;
  };
  std::mutex mutex;
  std::condition_variable answered;
  std::map<hyphae::MessageId, Answer> answers;  // by the TASK's id (reply_to)

  auto coordinator = hyphae::MeshNode::start({
      .listen = "127.0.0.1:0",
      .on_message =
          [&](const hyphae::Message& m) {
            if (m.type != hyphae::MessageType::response || !m.reply_to) return;
            std::lock_guard lock(mutex);
            answers.emplace(*m.reply_to, Answer{.from = m.from, .text = std::string(m.text())});
            answered.notify_all();
          },
  });
  if (!coordinator) {
    fmt::print(stderr, "coordinator: {}\n", coordinator.error().message);
    return 1;
  }
  fmt::print("coordinator {} on {}\n", (*coordinator)->node_id().to_string(),
             (*coordinator)->listen_address());

  // The workers keep a session with the coordinator; each answers every
  // TASK with a RESPONSE (reply() sets reply_to), and a QUERY "ping" with "pong".
  std::vector<std::unique_ptr<hyphae::MeshNode>> workers;
  for (int i = 0; i < args->workers; ++i) {
    hyphae::MeshNode* self = nullptr;  // set before any message can arrive (see below)
    auto worker = hyphae::MeshNode::start({
        .listen = "127.0.0.1:0",
        .peers = {(*coordinator)->listen_address()},
    });
    if (!worker) {
      fmt::print(stderr, "worker {}: {}\n", i, worker.error().message);
      return 1;
    }
    self = worker->get();
    // Installed after start(): nothing is sent to a worker before its id is
    // known, which is only once start() has returned.
    self->on_message([self](const hyphae::Message& m) {
      std::string answer;
      if (m.type == hyphae::MessageType::task) {
        answer = work(m.text());
      } else if (m.type == hyphae::MessageType::query && m.text() == "ping") {
        answer = "pong";
      } else {
        return;
      }
      if (auto r = self->reply(m, answer); !r)
        fmt::print(stderr, "worker: reply failed: {}\n", r.error().message);
    });
    fmt::print("worker {} {} on {}\n", i, self->node_id().to_string(), self->listen_address());
    workers.push_back(std::move(*worker));
  }

  const auto started = std::chrono::steady_clock::now();
  // query() is the blocking form: one round trip to each worker first.
  for (const auto& w : workers) {
    auto pong = (*coordinator)->query(w->node_id(), "ping", args->timeout);
    if (!pong) {
      fmt::print(stderr, "ping {}: {} ({})\n", w->node_id().to_string(), pong.error().message,
                 hyphae::to_string(pong.error().code));
      return 1;
    }
    fmt::print("ping {} -> {}\n", w->node_id().to_string().substr(0, 8), pong->text());
  }

  // Then the queue: TASKs round-robin, answers collected by on_message.
  std::map<hyphae::MessageId, Task> tasks;  // by the TASK's message id; main thread only
  for (int i = 0; i < args->tasks; ++i) {
    const std::int64_t n = i + 2;
    const hyphae::NodeId worker = workers[static_cast<std::size_t>(i) % workers.size()]->node_id();
    auto id =
        (*coordinator)
            ->send(worker, hyphae::MessageType::task, hyphae::Priority::medium, fmt::format("square {}", n));
    if (!id) {
      fmt::print(stderr, "send: {}\n", id.error().message);
      return 1;
    }
    tasks.emplace(*id, Task{.n = n, .worker = worker, .answer = std::nullopt});
  }

  {
    std::unique_lock lock(mutex);
    answered.wait_for(lock, args->timeout, [&] {
      for (const auto& [id, t] : tasks)
        if (!answers.contains(id)) return false;
      return true;
    });
    for (auto& [id, t] : tasks) {
      const auto it = answers.find(id);
      // Only the worker the task went to may answer it.
      if (it != answers.end() && it->second.from == t.worker) t.answer = it->second.text;
    }
  }
  const auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);

  int correct = 0;
  {
    for (const auto& [id, t] : tasks) {
      const std::string expected = std::to_string(t.n * t.n);
      const bool ok = t.answer == expected;
      correct += ok ? 1 : 0;
      fmt::print("task {:>3} square {:>3} on {} -> {:>6} {}\n", id, t.n, t.worker.to_string().substr(0, 8),
                 t.answer.value_or("(none)"), ok ? "ok" : "WRONG");
    }
  }
  const hyphae::Stats s = (*coordinator)->stats();
  const auto& medium = s.by_priority[static_cast<std::size_t>(hyphae::Priority::medium)];
  fmt::print(
      "summary: {}/{} tasks answered correctly by {} workers in {:.1f} ms; sent {}, delivered {}, failed {}, "
      "success rate {}, TASK latency p50 {} us p99 {} us, active peers {}\n",
      correct, args->tasks, args->workers, elapsed.count(), s.sent, s.delivered, s.failed,
      s.success_rate ? fmt::format("{:.0f} %", *s.success_rate * 100) : std::string("n/a"),
      medium.p50.count(), medium.p99.count(), s.active_peers);

  // Workers first: the coordinator stops last, so no answer is cut short.
  for (auto& w : workers) w->stop();
  (*coordinator)->stop();
  return correct == args->tasks ? EXIT_SUCCESS : EXIT_FAILURE;
}
