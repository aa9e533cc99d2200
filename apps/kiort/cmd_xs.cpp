// kiort xs: photon cross sections of a library material (mu/rho, mu_en/rho and partials, cm^2/g).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli.h"
#include "core/error.h"
#include "physics/cross_sections.h"
#include "physics/material.h"

namespace kiort::cli {

void add_xs_command(CLI::App& app, const Globals&, Commands& commands) {
  struct Args {
    std::string material;
    std::vector<double> energies;
    bool json = false, list = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("xs", "Photon cross sections of a material (mu/rho, mu_en/rho)");
  sub->add_option("--material", args->material, "Material name (see --list)");
  sub->add_option("--energy", args->energies, "Photon energies in keV (1-60), comma separated")
      ->delimiter(',');
  sub->add_flag("--json", args->json, "Print JSON");
  sub->add_flag("--list", args->list, "List the materials with density and source");
  commands.push_back({sub, [args] {
    const MaterialLibrary lib = MaterialLibrary::load_default();
    if (args->list) {
      if (args->json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& name : lib.names()) {
          const Material& m = lib.get(name);
          out.push_back({{"name", name},
                         {"density_g_cm3", m.density_g_cm3},
                         {"description", m.description},
                         {"source", m.source}});
        }
        std::printf("%s\n", out.dump(2).c_str());
      } else {
        for (const auto& name : lib.names()) {
          const Material& m = lib.get(name);
          std::printf("%-18s %7.4f g/cm3  %s\n", name.c_str(), m.density_g_cm3,
                      m.description.c_str());
        }
      }
      return 0;
    }
    if (args->material.empty())
      throw Error::bad_input("no material given").field("--material").expected("a name from "
                                                                               "kiort xs --list");
    if (args->energies.empty())
      throw Error::bad_input("no energy given").field("--energy").expected("1 to 60 keV");
    const Material& m = lib.get(args->material);
    for (double e : args->energies)
      if (!(e >= kMinEnergyKeV && e <= kMaxEnergyKeV)) {
        std::ostringstream s;
        s << e;
        throw Error::bad_input("energy outside the range kiort models")
            .field("--energy")
            .seen(s.str())
            .expected("1 to 60 keV");
      }
    const MaterialXs xs(m);
    nlohmann::json out = nlohmann::json::array();
    if (!args->json)
      std::printf("%s (%.4g g/cm3), cm2/g\n%10s %12s %12s %12s %12s %12s\n", m.name.c_str(),
                  m.density_g_cm3, "E [keV]", "mu/rho", "mu_en/rho", "photo", "incoherent",
                  "coherent");
    for (double e : args->energies) {
      const MassXs v = xs.at(e);
      if (args->json)
        out.push_back({{"material", m.name},
                       {"energy_kev", e},
                       {"mu_rho", v.total},
                       {"mu_en_rho", v.energy_absorption},
                       {"photo", v.photo},
                       {"incoherent", v.incoherent},
                       {"coherent", v.coherent}});
      else
        std::printf("%10.3f %12.5g %12.5g %12.5g %12.5g %12.5g\n", e, v.total,
                    v.energy_absorption, v.photo, v.incoherent, v.coherent);
    }
    if (args->json) std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }});
}

}  // namespace kiort::cli
