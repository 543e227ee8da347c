// Visitor from lambdas, for std::visit over the closed change and step variants.
#pragma once

namespace litemig {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};

}  // namespace litemig
