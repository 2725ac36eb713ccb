// The argus command line: `serve` runs the server; the other commands manage a data
// directory or run the vision tools (detect, eval) without a server.
#include <CLI/CLI.hpp>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli/models_commands.h"
#include "cli/serve.h"
#include "cli/vision_commands.h"
#include "core/allocator.h"
#include "core/config.h"
#include "core/log.h"

int main(int argc, char** argv) {
  argus::tune_allocator();
  argus::log_to_stderr();
  CLI::App app{"Argus: self-hosted video intelligence (faces, tracking, events)"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: argus serve --data DIR
  argus::cli::GlobalOptions opts;
  app.add_option("-c,--config", opts.config_path, "YAML configuration file (see config/argus.yaml)");
  app.add_option("--data", opts.data_dir, "data directory (database, blobs, secret key)");
  app.add_option("--set", opts.sets, "override any key: --set section.key=value (repeatable)");
  app.add_option("--log-level", opts.log_level, "trace, debug, info, warn, error");

  auto* serve = app.add_subcommand("serve", "run the HTTP/WebSocket server and the camera pipeline");
  serve->add_option("-p,--port", opts.port, "TCP port (0: any free port)");
  serve->add_option("--host", opts.host, "address to listen on");
  serve->add_flag("--demo-camera", opts.demo_camera, "create the demo camera on first start");
  serve->callback([&] { std::exit(argus::cli::run_serve(opts)); });

  auto* config = app.add_subcommand("config", "configuration tools");
  config->require_subcommand(1);
  config->add_subcommand("print", "print the effective configuration (secrets masked)")->callback([&] {
    std::exit(argus::cli::run_config_print(opts));
  });

  auto* user = app.add_subcommand("user", "manage users in the data directory");
  user->require_subcommand(1);
  std::string name, role = "viewer", password;
  auto* add = user->add_subcommand("add", "create a user (password prompted, or generated when stdin is not a terminal)");
  add->add_option("username", name)->required();
  add->add_option("--role", role, "admin, supervisor or viewer")->check(CLI::IsMember({"admin", "supervisor", "viewer"}));
  add->add_option("--password", password, "password (avoid: it lands in shell history)");
  add->callback([&] { std::exit(argus::cli::run_user_add(opts, name, role, password)); });
  auto* passwd = user->add_subcommand("passwd", "set a user's password");
  passwd->add_option("username", name)->required();
  passwd->add_option("--password", password, "new password");
  passwd->callback([&] { std::exit(argus::cli::run_user_passwd(opts, name, password)); });
  user->add_subcommand("list", "list users")->callback([&] { std::exit(argus::cli::run_user_list(opts)); });

  std::string employee_id;
  std::vector<std::string> images;
  auto* enroll = app.add_subcommand("enroll", "enrol a person from photos into the data directory");
  enroll->add_option("--name", name, "the person's name")->required();
  enroll->add_option("--employee-id", employee_id, "employee id");
  enroll->add_option("images", images, "photos, each with exactly one face")->required()->check(CLI::ExistingFile);
  enroll->callback([&] { std::exit(argus::cli::run_enroll(opts, name, employee_id, images)); });
  auto* identify = app.add_subcommand("identify", "find and identify the faces in images against the enrolled persons");
  identify->add_option("images", images, "images")->required()->check(CLI::ExistingFile);
  identify->callback([&] { std::exit(argus::cli::run_identify(opts, images)); });

  argus::add_vision_commands(app, opts);
  argus::cli::add_models_commands(app, opts);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
