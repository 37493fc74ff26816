#include "cli/app.hpp"

int main(int argc, char** argv) {
  return greenfetch::cli::run(argc, argv);
}
