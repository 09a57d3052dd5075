// The ledger's lock is on the file itself: every name of the file shares it, and no other file frees it.
#include "ledger/writer.hpp"

#include "support/test_process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace cphfleet {
namespace {

struct scratch {
  test::temp_dir scratch{"lock"};
  std::filesystem::path dir = scratch.path();
  std::filesystem::path ledger = dir / "orders.csv";
  ~scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// The message of the ledger_busy a second writer on `path` gets; "" when it got the lock.
std::string busy_message(net::io_context& ioc, const std::filesystem::path& path) {
  try {
    ledger_writer second(ioc.get_executor(), path, "cphfleet replay");
  } catch (const ledger_busy& e) {
    return e.what();
  }
  return "";
}

TEST(ledger_lock_test, a_symlink_to_a_held_ledger_finds_it_held_and_names_the_holder) {
  scratch s;
  net::io_context ioc;
  ledger_writer first(ioc.get_executor(), s.ledger, "cphfleet run");
  std::filesystem::create_symlink(s.ledger, s.dir / "link.csv");
  std::string message = busy_message(ioc, s.dir / "link.csv");
  EXPECT_NE(message.find("pid " + std::to_string(::getpid()) + " (cphfleet run)"), std::string::npos)
      << message;
}

TEST(ledger_lock_test, a_hard_link_to_a_held_ledger_finds_it_held_and_names_the_holder_pid) {
  scratch s;
  net::io_context ioc;
  ledger_writer first(ioc.get_executor(), s.ledger, "cphfleet run");
  std::filesystem::create_hard_link(s.ledger, s.dir / "other-name.csv");
  std::string message = busy_message(ioc, s.dir / "other-name.csv");
  EXPECT_NE(message.find("pid " + std::to_string(::getpid())), std::string::npos) << message;
}

TEST(ledger_lock_test, deleting_the_lock_note_while_the_ledger_is_held_frees_nothing) {
  scratch s;
  net::io_context ioc;
  ledger_writer first(ioc.get_executor(), s.ledger, "cphfleet run");
  std::filesystem::path note = s.ledger;
  note += ".lock";
  ASSERT_TRUE(std::filesystem::remove(note));
  std::string message = busy_message(ioc, s.ledger);
  EXPECT_NE(message.find("pid " + std::to_string(::getpid())), std::string::npos) << message;
}

TEST(ledger_lock_test, the_note_names_the_holder_and_is_emptied_when_it_lets_go) {
  scratch s;
  net::io_context ioc;
  std::filesystem::path note = s.ledger;
  note += ".lock";
  {
    ledger_writer first(ioc.get_executor(), s.ledger, "cphfleet run");
    EXPECT_EQ(test::slurp(note), "pid " + std::to_string(::getpid()) + " (cphfleet run)\n");
  }
  EXPECT_EQ(test::slurp(note), "");
  EXPECT_EQ(busy_message(ioc, s.ledger), "");
}

TEST(ledger_lock_test, a_ledger_path_with_a_control_character_is_refused_before_anything_is_created) {
  scratch s;
  net::io_context ioc;
  for (std::string name : {std::string("orders\n.csv"), std::string("orders\t.csv"), std::string("a\x7f.csv"),
                           std::string("orders\0.csv", 11)}) {
    try {
      ledger_writer w(ioc.get_executor(), s.dir / name, "test");
      ADD_FAILURE() << "accepted a path with a control character";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("holds a control character"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(s.dir / name));
  }
}

}  // namespace
}  // namespace cphfleet
