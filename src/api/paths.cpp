#include "api/paths.hpp"

#include <fmt/format.h>

namespace cphfleet::api_path {

std::string of(std::string_view project_id, std::string_view resource, std::string_view id) {
  return of_version(version, project_id, resource, id);
}

std::string of_version(std::string_view v, std::string_view project_id, std::string_view resource,
                       std::string_view id) {
  if (id.empty()) return fmt::format("/{}/{}/{}/{}", v, project_id, service, resource);
  return fmt::format("/{}/{}/{}/{}/{}", v, project_id, service, resource, id);
}

std::optional<parts> parse(std::string_view path) {
  // `/v1/` or `/v2/`, then the project id up to the next `/`, then `cloud-phone/`, then 1 or 2 segments.
  auto segment = [&]() -> std::optional<std::string_view> {
    if (!path.starts_with('/')) return std::nullopt;
    path.remove_prefix(1);
    std::string_view s = path.substr(0, path.find('/'));
    path.remove_prefix(s.size());
    return s;
  };
  auto v = segment();
  auto project = segment();
  auto svc = segment();
  auto resource = segment();
  if (!v || (*v != version && *v != version_v2) || !project || project->empty() || !svc || *svc != service ||
      !resource || resource->empty())
    return std::nullopt;
  parts out{*project, *resource, {}, *v};
  if (path.empty()) return out;
  auto id = segment();
  if (!id || id->empty() || !path.empty()) return std::nullopt;
  out.id = *id;
  return out;
}

}  // namespace cphfleet::api_path
