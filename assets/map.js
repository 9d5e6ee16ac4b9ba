/* Map styling functions referenced from Python with dash_extensions.javascript.Namespace
   ("gascc", "map"). Colours are decided on the server (feature.properties.fill); these only draw. */
window.gascc = Object.assign({}, window.gascc, {
  map: {
    districtStyle: function (feature) {
      const fill = feature.properties.fill;
      return {
        className: "district-shape",
        fillColor: fill || "#2b3a4a",
        fillOpacity: fill ? 0.62 : 0.2,
        color: "#9fd3ec",
        weight: 1.2,
        opacity: 0.85,
      };
    },
    districtHover: function () {
      return { weight: 3, color: "#ffffff" };
    },
    sitePoint: function (feature, latlng) {
      const colours = {
        filling_station: "#ff8c42", supply_point: "#ffd166", gate_station: "#06d6a0",
        regulator_station: "#4cc9f0", storage: "#c77dff", vehicle_station: "#f15bb5",
      };
      return L.circleMarker(latlng, {
        radius: 6, weight: 1.5, color: "#0b1622",
        fillColor: colours[feature.properties.kind] || "#e0e0e0", fillOpacity: 0.95,
      });
    },
    siteCluster: function (feature, latlng, index) {
      const count = feature.properties.point_count;
      const size = count < 10 ? 30 : count < 100 ? 38 : 48;
      const icon = L.divIcon({
        html: "<span>" + feature.properties.point_count_abbreviated + "</span>",
        className: "site-cluster",
        iconSize: L.point(size, size),
      });
      return L.marker(latlng, { icon: icon });
    },
  },
});
