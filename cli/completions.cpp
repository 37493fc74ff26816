#include "cli/completions.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "cli/help_formatter.hpp"

namespace greenfetch::cli {

namespace {

// A value completed with file names.
bool takes_path(const OptionSpec& o) {
  return o.value.find("FILE") != std::string::npos || o.value.find("DIR") != std::string::npos;
}

bool takes_dir(const OptionSpec& o) {
  return o.value == "DIR";
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const std::string& p : parts) {
    out += out.empty() ? p : sep + p;
  }
  return out;
}

std::string bash_script(const std::vector<ModeOptions>& modes) {
  std::string cases;
  for (const ModeOptions& m : modes) {
    std::vector<std::string> all;
    std::vector<std::string> paths;
    std::vector<std::string> values;
    for (const OptionSpec& o : m.options) {
      for (const std::string& n : o.names) {
        all.push_back(n);
        if (takes_path(o)) {
          paths.push_back(n);
        } else if (!o.value.empty()) {
          values.push_back(n);
        }
      }
    }
    cases += fmt::format(
        "    {})\n      opts='{}'\n      path_opts=' {} '\n      value_opts=' {} '\n      ;;\n",
        m.mode, join(all, " "), join(paths, " "), join(values, " "));
  }
  return fmt::format(
      "# bash completion for greenfetch (made by: greenfetch --completions bash)\n"
      "_greenfetch() {{\n"
      "  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}\n"
      "  local mode=get opts path_opts value_opts\n"
      "  case ${{COMP_WORDS[1]}} in\n"
      "    bench | crawl) mode=${{COMP_WORDS[1]}} ;;\n"
      "  esac\n"
      "  case $mode in\n"
      "{}"
      "  esac\n"
      "  if [[ $path_opts == *\" $prev \"* ]]; then\n"
      "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      "    return\n"
      "  fi\n"
      "  if [[ $value_opts == *\" $prev \"* ]]; then\n"
      "    COMPREPLY=()\n"
      "    return\n"
      "  fi\n"
      "  if [[ $cur == -* ]]; then\n"
      "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
      "  elif ((COMP_CWORD == 1)); then\n"
      "    COMPREPLY=($(compgen -W 'get bench crawl help' -- \"$cur\"))\n"
      "  fi\n"
      "}}\n"
      "complete -o default -F _greenfetch greenfetch\n",
      cases);
}

// Text inside a zsh single-quoted _arguments spec: no quote, no brackets, colons escaped.
std::string zsh_text(std::string s) {
  s = replace_all(s, "\\", "");
  s = replace_all(s, "'", "'\\''");
  s = replace_all(s, "[", "(");
  s = replace_all(s, "]", ")");
  return replace_all(s, ":", "\\:");
}

std::string zsh_script(const std::vector<ModeOptions>& modes) {
  std::string cases;
  for (const ModeOptions& m : modes) {
    std::string specs;
    for (const OptionSpec& o : m.options) {
      for (const std::string& n : o.names) {
        std::string spec = n + "[" + zsh_text(o.description) + "]";
        if (!o.value.empty()) {
          spec += ":" + zsh_text(o.value) + ":";
          if (takes_dir(o)) {
            spec += "_files -/";
          } else if (takes_path(o)) {
            spec += "_files";
          }
        }
        specs += "        '" + spec + "'\n";
      }
    }
    cases += fmt::format("    {})\n      opts=(\n{}      )\n      ;;\n", m.mode, specs);
  }
  return fmt::format(
      "#compdef greenfetch\n"
      "# zsh completion for greenfetch (made by: greenfetch --completions zsh)\n"
      "_greenfetch() {{\n"
      "  local mode=get\n"
      "  local -a opts\n"
      "  case $words[2] in\n"
      "    bench | crawl)\n"
      "      mode=$words[2]\n"
      "      shift words\n"
      "      (( CURRENT-- ))\n"
      "      ;;\n"
      "  esac\n"
      "  case $mode in\n"
      "{}"
      "  esac\n"
      "  _arguments -S $opts '*:URL:_urls'\n"
      "}}\n"
      "_greenfetch \"$@\"\n",
      cases);
}

std::string fish_text(std::string s) {
  s = replace_all(s, "\\", "\\\\");
  return replace_all(s, "'", "\\'");
}

std::string fish_script(const std::vector<ModeOptions>& modes) {
  std::string out =
      "# fish completion for greenfetch (made by: greenfetch --completions fish)\n"
      "complete -c greenfetch -n __fish_use_subcommand -f -a 'get bench crawl help'\n";
  for (const ModeOptions& m : modes) {
    std::string when = m.mode == "get" ? "not __fish_seen_subcommand_from bench crawl"
                                       : "__fish_seen_subcommand_from " + m.mode;
    for (const OptionSpec& o : m.options) {
      std::string line = "complete -c greenfetch -n '" + when + "'";
      for (const std::string& n : o.names) {
        line += n.size() == 2 ? " -s " + n.substr(1) : " -l " + n.substr(2);
      }
      if (!o.value.empty()) {
        line += takes_path(o) ? " -r -F" : " -x";
      }
      line += " -d '" + fish_text(o.description) + "'\n";
      out += line;
    }
  }
  return out;
}

}  // namespace

ModeOptions mode_options(const CLI::App& app) {
  ModeOptions m;
  std::string name = app.get_name();
  std::size_t space = name.find(' ');
  m.mode = space == std::string::npos ? "get" : name.substr(space + 1);
  for (const CLI::Option* o :
       app.get_options([](const CLI::Option* o) { return o->nonpositional(); })) {
    if (o->get_group().empty()) {
      continue;  // hidden
    }
    OptionSpec spec;
    for (const std::string& s : o->get_snames()) {
      spec.names.push_back("-" + s);
    }
    for (const std::string& l : o->get_lnames()) {
      spec.names.push_back("--" + l);
    }
    spec.value = HelpFormatter::value_name(o);
    spec.description = o->get_description();
    m.options.push_back(std::move(spec));
  }
  return m;
}

std::string completion_script(const std::string& shell, const std::vector<ModeOptions>& modes) {
  if (shell == "bash") {
    return bash_script(modes);
  }
  if (shell == "zsh") {
    return zsh_script(modes);
  }
  if (shell == "fish") {
    return fish_script(modes);
  }
  throw std::invalid_argument("'" + shell + "' is not bash, zsh or fish");
}

}  // namespace greenfetch::cli
