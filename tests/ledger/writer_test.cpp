#include "ledger/writer.hpp"

#include "support/test_process.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace cphfleet {
namespace {

ledger_row make_row(std::string chunk, chunk_status s) {
  ledger_row r;
  r.time = "2026-01-01T00:00:00.000Z";
  r.run_id = "r1";
  r.job = "demo";
  r.fleet = "eu";
  r.chunk = std::move(chunk);
  r.count = 10;
  r.status = s;
  r.attempt = 1;
  r.request = R"({"server_name":"eu-001","count":10})";
  r.error_msg = "=not a formula, \"quoted\",\nmulti-line";
  return r;
}

TEST(ledger_writer_test, a_new_ledger_gets_the_header_and_rows_read_back) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "sub" / "orders.csv";
  net::io_context ioc;
  {
    ledger_writer w(ioc.get_executor(), path, "test");
    EXPECT_TRUE(w.existing_rows().empty());
    net::co_spawn(ioc, w.append(make_row("eu-001", chunk_status::sending)), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    ioc.run();
  }
  auto text = test::slurp(path);
  EXPECT_EQ(text.substr(0, ledger_header().size()), ledger_header());
  auto rows = read_ledger(path);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error_msg, "=not a formula, \"quoted\",\nmulti-line");
  EXPECT_EQ(rows[0].request, R"({"server_name":"eu-001","count":10})");
}

TEST(ledger_writer_test, appends_made_together_share_syncs_and_all_land_in_order) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  net::io_context ioc;
  ledger_writer w(ioc.get_executor(), path, "test");
  int done = 0;
  for (int i = 0; i < 200; ++i) {
    net::co_spawn(ioc, w.append(make_row("eu-" + std::to_string(1000 + i), chunk_status::sending)),
                  [&](std::exception_ptr e) {
                    EXPECT_FALSE(e);
                    ++done;
                  });
  }
  ioc.run();
  EXPECT_EQ(done, 200);
  EXPECT_EQ(w.rows_written(), 200u);
  // The first two rows start a sync each; the other 198 arrive while both run and share the next one.
  EXPECT_EQ(w.syncs(), 3u);
  auto rows = read_ledger(path);
  ASSERT_EQ(rows.size(), 200u);
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(rows[static_cast<std::size_t>(i)].chunk, "eu-" + std::to_string(1000 + i));
}

TEST(ledger_writer_test, two_syncs_run_at_once_and_the_rows_appended_meanwhile_share_the_next) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  net::io_context ioc;
  ledger_writer w(ioc.get_executor(), path, "test");
  std::vector<int> durable_order;
  for (int i = 0; i < 50; ++i) {
    net::co_spawn(ioc, w.append(make_row("eu-" + std::to_string(1000 + i), chunk_status::sending)),
                  [&, i](std::exception_ptr e) {
                    EXPECT_FALSE(e);
                    durable_order.push_back(i);
                  });
  }
  ioc.run();
  // Row 0 and row 1 each start a sync as they come; rows 2..49 come while both run and go together.
  EXPECT_EQ(w.syncs(), 3u);
  ASSERT_EQ(durable_order.size(), 50u);
  auto rows = read_ledger(path);
  ASSERT_EQ(rows.size(), 50u);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(rows[static_cast<std::size_t>(i)].chunk, "eu-" + std::to_string(1000 + i));
}

TEST(ledger_writer_test, an_append_returns_only_after_the_row_is_in_the_file) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  net::io_context ioc;
  ledger_writer w(ioc.get_executor(), path, "test");
  std::size_t rows_seen_after_append = 0;
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        co_await w.append(make_row("eu-001", chunk_status::sending));
        rows_seen_after_append = read_ledger(path).size();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  EXPECT_EQ(rows_seen_after_append, 1u);
}

TEST(ledger_writer_test, a_torn_last_record_is_cut_on_open) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << ledger_header() << format_row(make_row("eu-001", chunk_status::sending));
    std::string second = format_row(make_row("eu-001", chunk_status::ordered));
    out << second.substr(0, second.size() / 2);  // a crash mid-append
  }
  net::io_context ioc;
  ledger_writer w(ioc.get_executor(), path, "test");
  ASSERT_EQ(w.existing_rows().size(), 1u);
  EXPECT_EQ(w.existing_rows()[0].status, chunk_status::sending);
  EXPECT_EQ(read_ledger(path).size(), 1u);
}

TEST(ledger_writer_test, rows_handed_to_a_sink_are_those_of_a_big_ledger_after_a_torn_record_is_cut) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  std::string text = ledger_header();
  for (int i = 0; i < 6000; ++i) {  // some MB: read in pieces
    ledger_row r =
        make_row("eu-" + std::to_string(1000 + i), i % 2 ? chunk_status::ordered : chunk_status::sending);
    r.request += std::string(300, ' ');
    text += format_row(r);
  }
  std::string torn = format_row(make_row("eu-9999", chunk_status::sending));
  {
    std::ofstream out(path, std::ios::binary);
    out << text << torn.substr(0, torn.size() - 40);
  }
  net::io_context ioc;
  std::vector<ledger_row> seen;
  {
    ledger_writer w(ioc.get_executor(), path, "test",
                    [&](ledger_row&& row) { seen.push_back(std::move(row)); });
    EXPECT_TRUE(w.existing_rows().empty());
  }
  EXPECT_EQ(test::slurp(path), text);
  auto rows = read_ledger(path);
  ASSERT_EQ(seen.size(), 6000u);
  ASSERT_EQ(rows.size(), 6000u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(format_row(seen[i]), format_row(rows[i])) << i;
    if (HasFailure()) break;
  }
  EXPECT_EQ(seen.back().error_msg, "=not a formula, \"quoted\",\nmulti-line");
}

TEST(ledger_writer_test, a_whole_last_row_without_its_line_break_is_kept) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  std::string row = format_row(make_row("eu-001", chunk_status::ordered));
  {
    std::ofstream out(path, std::ios::binary);
    out << ledger_header() << row.substr(0, row.size() - 2);  // appended by hand, no CRLF
  }
  net::io_context ioc;
  {
    ledger_writer w(ioc.get_executor(), path, "test");
    ASSERT_EQ(w.existing_rows().size(), 1u);
    net::co_spawn(ioc, w.append(make_row("eu-002", chunk_status::sending)), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    ioc.run();
  }
  auto rows = read_ledger(path);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].status, chunk_status::ordered);
  EXPECT_EQ(rows[1].chunk, "eu-002");
}

TEST(ledger_writer_test, a_second_writer_is_refused_naming_the_holder) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  net::io_context ioc;
  ledger_writer first(ioc.get_executor(), path, "cphfleet run");
  try {
    ledger_writer second(ioc.get_executor(), path, "cphfleet replay");
    FAIL() << "the second writer got the lock";
  } catch (const ledger_busy& e) {
    EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(::getpid()) + " (cphfleet run)"),
              std::string::npos)
        << e.what();
  }
}

TEST(ledger_writer_test, the_lock_is_free_again_once_the_writer_is_gone) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  net::io_context ioc;
  { ledger_writer first(ioc.get_executor(), path, "one"); }
  EXPECT_NO_THROW(ledger_writer(ioc.get_executor(), path, "two"));
}

TEST(ledger_writer_test, a_ledger_with_a_wrong_header_is_refused) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "time,run_id,job\r\n";
  }
  net::io_context ioc;
  EXPECT_THROW(ledger_writer(ioc.get_executor(), path, "test"), std::runtime_error);
}

// Appends one row through `w`, running `ioc` until it is done; the failure, if any, is rethrown.
void append_one(net::io_context& ioc, ledger_writer& w, ledger_row row) {
  std::exception_ptr failure;
  net::co_spawn(ioc, w.append(std::move(row)), [&](std::exception_ptr e) { failure = e; });
  ioc.restart();
  ioc.run();
  if (failure) std::rethrow_exception(failure);
}

TEST(ledger_writer_test, a_ledger_renamed_over_while_held_refuses_the_next_append_naming_the_path) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  net::io_context ioc;
  ledger_writer w(ioc.get_executor(), path, "test");
  append_one(ioc, w, make_row("eu-001", chunk_status::sending));
  // An editor's save: a new file with the same text, renamed over the old one.
  std::string copy = test::slurp(path);
  {
    std::ofstream out(dir / "orders.csv.tmp", std::ios::binary);
    out << copy;
  }
  std::filesystem::rename(dir / "orders.csv.tmp", path);
  try {
    append_one(ioc, w, make_row("eu-002", chunk_status::sending));
    FAIL() << "appended to a file the path no longer names";
  } catch (const ledger_replaced& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ": the ledger file was replaced"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(w.append_now(make_row("eu-002", chunk_status::unknown)), ledger_replaced);
  EXPECT_EQ(test::slurp(path), copy);  // nothing written to either file
  std::filesystem::remove_all(dir);
}

TEST(ledger_writer_test, a_ledger_deleted_while_held_refuses_the_next_append) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  net::io_context ioc;
  ledger_writer w(ioc.get_executor(), path, "test");
  std::filesystem::remove(path);
  try {
    append_one(ioc, w, make_row("eu-001", chunk_status::sending));
    FAIL() << "appended to a deleted ledger";
  } catch (const ledger_replaced& e) {
    EXPECT_NE(std::string(e.what()).find("was deleted"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}

TEST(ledger_writer_test, appends_under_way_when_the_ledger_is_replaced_write_nothing_to_the_new_file) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  auto path = dir / "orders.csv";
  net::io_context ioc;
  ledger_writer w(ioc.get_executor(), path, "test");
  int refused = 0, durable = 0;
  // Some rows go out before the file is replaced, the others after: none of the later ones lands.
  for (int i = 0; i < 10; ++i) {
    net::co_spawn(ioc, w.append(make_row("eu-" + std::to_string(100 + i), chunk_status::sending)),
                  [&](std::exception_ptr e) {
                    if (!e) {
                      ++durable;
                      return;
                    }
                    try {
                      std::rethrow_exception(e);
                    } catch (const ledger_replaced&) {
                      ++refused;
                    }
                  });
  }
  // The spawned appends run only once ioc runs: let the first two start, then replace the file.
  ioc.poll_one();
  ioc.poll_one();
  std::string copy = test::slurp(path);
  {
    std::ofstream out(dir / "new.csv", std::ios::binary);
    out << copy;
  }
  std::filesystem::rename(dir / "new.csv", path);
  ioc.run();
  EXPECT_EQ(durable + refused, 10);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(test::slurp(path), copy);
  std::filesystem::remove_all(dir);
}

TEST(ledger_writer_test, a_header_only_or_bom_only_ledger_is_empty_and_keeps_its_header) {
  std::string header = ledger_header();
  std::string bare = header.substr(0, header.size() - 2);  // no line break
  const std::string bom = "\xEF\xBB\xBF";
  struct start {
    std::string text;
    std::string kept;  // what the file starts with after the writer opened it
  };
  for (const start& s : {start{bare, header}, start{bom, bom + header}, start{bom + bare, bom + header},
                         start{bom + header, bom + header}, start{"time,run_id,jo", header}}) {
    test::temp_dir scratch("lw");
    const std::filesystem::path dir = scratch.path();
    auto path = dir / "orders.csv";
    {
      std::ofstream out(path, std::ios::binary);
      out << s.text;
    }
    net::io_context ioc;
    {
      ledger_writer w(ioc.get_executor(), path, "test");
      EXPECT_TRUE(w.existing_rows().empty());
      append_one(ioc, w, make_row("eu-001", chunk_status::sending));
    }
    EXPECT_EQ(test::slurp(path), s.kept + format_row(make_row("eu-001", chunk_status::sending))) << s.text;
    auto rows = read_ledger(path);
    ASSERT_EQ(rows.size(), 1u) << s.text;
    EXPECT_EQ(rows[0].chunk, "eu-001");
    std::filesystem::remove_all(dir);
  }
}

TEST(ledger_writer_test, a_row_torn_inside_a_quoted_cell_is_cut_even_where_the_cell_seems_closed) {
  ledger_row whole = make_row("eu-001", chunk_status::sending);
  std::string torn = format_row(make_row("eu-002", chunk_status::ordered));
  // The request cell is `"{""server_name"":""eu-001"",""count"":10}"`: cut after a doubled quote the
  // cell reads as closed and the row has all its cells, but its request is cut.
  std::size_t doubled = torn.rfind("\"\"count");
  ASSERT_NE(doubled, std::string::npos);
  for (std::size_t cut : {doubled + 2, doubled + 1, torn.size() - 5}) {
    test::temp_dir scratch("lw");
    const std::filesystem::path dir = scratch.path();
    auto path = dir / "orders.csv";
    std::string kept = ledger_header() + format_row(whole);
    {
      std::ofstream out(path, std::ios::binary);
      out << kept << torn.substr(0, cut);
    }
    EXPECT_EQ(read_ledger(path).size(), 1u) << cut;  // a reader leaves it out
    net::io_context ioc;
    {
      ledger_writer w(ioc.get_executor(), path, "test");
      ASSERT_EQ(w.existing_rows().size(), 1u) << cut;
    }
    EXPECT_EQ(test::slurp(path), kept) << cut;
    std::filesystem::remove_all(dir);
  }
}

TEST(ledger_writer_test, a_fifo_or_a_folder_at_the_ledger_path_is_refused) {
  test::temp_dir scratch("lw");
  const std::filesystem::path dir = scratch.path();
  ASSERT_EQ(::mkfifo((dir / "fifo.csv").c_str(), 0600), 0);
  std::filesystem::create_directories(dir / "folder.csv");
  net::io_context ioc;
  for (const auto& path : {dir / "fifo.csv", dir / "folder.csv", std::filesystem::path("/dev/zero")}) {
    try {
      ledger_writer w(ioc.get_executor(), path, "test");
      ADD_FAILURE() << "opened " << path;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cphfleet
