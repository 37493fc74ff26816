#include "cli/help_formatter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace greenfetch::cli {

namespace {

// Widest name column; a longer name pushes its description along rather than widening all.
constexpr std::size_t k_name_column = 30;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool is_flag(const CLI::Option* opt) {
  return opt->get_items_expected_max() == 0;  // add_flag sets expected(0)
}

std::string positional_name(const CLI::Option* opt) {
  std::string v = HelpFormatter::value_name(opt);
  if (v.empty() || v == "VALUE") {
    v = upper(opt->get_name());
  }
  return opt->get_items_expected_max() > 1 ? v + "..." : v;
}

}  // namespace

std::string HelpFormatter::value_name(const CLI::Option* opt) {
  if (is_flag(opt)) {
    return {};
  }
  // get_type_name() is the type name followed by ":DESCRIPTION" of every validator that has a
  // description (CLI::Range's "INT in [1 - 100000]"): cut those off the end.
  std::string full = opt->get_type_name();
  auto* mutable_opt = const_cast<CLI::Option*>(opt);  // get_validator(int) is not const
  for (int i = 0;; ++i) {
    const CLI::Validator* v = nullptr;
    try {
      v = mutable_opt->get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      break;
    }
    std::string d = v->get_description();
    if (!d.empty() && full.size() >= d.size() + 1) {
      full.resize(full.size() - d.size() - 1);
    }
  }
  // CLI11's default names for the C++ type: a number or a word.
  if (full == "UINT" || full == "INT" || full == "FLOAT" || full == "NUMBER" || full == "") {
    return "N";
  }
  if (full == "TEXT" || full == "BOOLEAN") {
    return "VALUE";
  }
  return full;
}

std::string HelpFormatter::names(const CLI::Option* opt) {
  std::vector<std::string> parts;
  for (const std::string& s : opt->get_snames()) {
    parts.push_back("-" + s);
  }
  for (const std::string& l : opt->get_lnames()) {
    parts.push_back("--" + l);
  }
  std::string text;
  for (const std::string& p : parts) {
    text += text.empty() ? p : ", " + p;
  }
  if (opt->get_snames().empty()) {
    text = "    " + text;
  }
  std::string v = value_name(opt);
  return v.empty() ? text : text + " " + v;
}

std::string HelpFormatter::description(const CLI::Option* opt) {
  std::string d = opt->get_description();
  std::string def = opt->get_default_str();
  if (!def.empty() && !is_flag(opt) && d.find("default") == std::string::npos) {
    d += fmt::format(" (default {})", def);
  }
  return d;
}

std::string HelpFormatter::make_help(const CLI::App* app, std::string name,
                                     CLI::AppFormatMode /*mode*/) const {
  if (name.empty()) {
    name = app->get_name();
  }
  std::string out;
  std::string desc = app->get_description();
  if (!desc.empty()) {
    out += desc + "\n\n";
  }
  std::vector<const CLI::Option*> positionals =
      app->get_options([](const CLI::Option* o) { return !o->nonpositional(); });
  out += "Usage: " + name + " [OPTIONS]";
  for (const CLI::Option* p : positionals) {
    out += " [" + positional_name(p) + "]";
  }
  out += "\n";

  std::vector<std::pair<std::string, std::string>> rows;
  auto row_width = [](const std::string& n) { return std::min(n.size(), k_name_column); };
  std::size_t width = 0;
  for (const CLI::Option* p : positionals) {
    width = std::max(width, row_width(positional_name(p)));
  }
  for (const CLI::Option* o :
       app->get_options([](const CLI::Option* o) { return o->nonpositional(); })) {
    width = std::max(width, row_width(names(o)));
  }
  auto row = [&](const std::string& left, const std::string& right) {
    std::string line = "  " + left;
    if (left.size() < width) {
      line.append(width - left.size(), ' ');
    }
    return line + "  " + right + "\n";
  };
  if (!positionals.empty()) {
    out += "\nArguments:\n";
    for (const CLI::Option* p : positionals) {
      out += row(positional_name(p), p->get_description());
    }
  }
  for (const std::string& group : app->get_groups()) {
    if (group.empty()) {
      continue;  // hidden options
    }
    std::vector<const CLI::Option*> opts = app->get_options(
        [&group](const CLI::Option* o) { return o->nonpositional() && o->get_group() == group; });
    if (opts.empty()) {
      continue;
    }
    out += "\n" + group + ":\n";
    for (const CLI::Option* o : opts) {
      out += row(names(o), description(o));
    }
  }
  std::string footer = app->get_footer();
  if (!footer.empty()) {
    out += "\n" + footer + "\n";
  }
  return out;
}

}  // namespace greenfetch::cli
