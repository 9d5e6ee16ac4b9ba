/* GCJ-02 tiles under WGS84 data (docs/tiles.md).
 *
 * Chinese providers (AutoNavi/高德 and the like) draw their tiles in GCJ-02, a datum shifted a few
 * hundred metres from the WGS84 our data use. Rather than moving every point, line and live event,
 * a tile layer created with className "gcj02-tiles" (dashboard/tiles.py) is laid out as if the map's
 * centre were its GCJ-02 position: the tile content that shows the centre lands on the centre. The
 * offset changes only a few metres across a street-zoom view, so taking it at the centre and
 * updating it on every move/zoom end (when Leaflet re-lays the tiles) is exact to well under a pixel.
 *
 * The formula is the published WGS84 -> GCJ-02 transform, the same as dashboard/geo.py.
 */
(function () {
  "use strict";

  var GCJ02_CLASS = "gcj02-tiles";
  var A = 6378245.0; // Krasovsky 1940
  var EE = 0.00669342162296594323;
  var PI = Math.PI;

  function outsideChina(lat, lon) {
    return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }

  function wgs84ToGcj02(lat, lon) {
    if (outsideChina(lat, lon)) {
      return [lat, lon];
    }
    var x = lon - 105.0;
    var y = lat - 35.0;
    var sqrtAbsX = Math.sqrt(Math.abs(x));
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrtAbsX;
    dLat += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
    dLat += ((20.0 * Math.sin(y * PI) + 40.0 * Math.sin((y / 3.0) * PI)) * 2.0) / 3.0;
    dLat += ((160.0 * Math.sin((y / 12.0) * PI) + 320.0 * Math.sin((y * PI) / 30.0)) * 2.0) / 3.0;
    var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrtAbsX;
    dLon += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
    dLon += ((20.0 * Math.sin(x * PI) + 40.0 * Math.sin((x / 3.0) * PI)) * 2.0) / 3.0;
    dLon += ((150.0 * Math.sin((x / 12.0) * PI) + 300.0 * Math.sin((x / 30.0) * PI)) * 2.0) / 3.0;
    var radLat = (lat / 180.0) * PI;
    var magic = 1.0 - EE * Math.sin(radLat) * Math.sin(radLat);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / (((A * (1.0 - EE)) / (magic * sqrtMagic)) * PI);
    dLon = (dLon * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * PI);
    return [lat + dLat, lon + dLon];
  }

  function isGcj02(layer) {
    var names = " " + (layer.options.className || "") + " ";
    return names.indexOf(" " + GCJ02_CLASS + " ") >= 0;
  }

  function install(L) {
    var grid = L.GridLayer.prototype;
    var setZoomTransform = grid._setZoomTransform;
    var getTiledPixelBounds = grid._getTiledPixelBounds;

    // Where this layer's tiles show the (WGS84) map centre.
    function tileCentre(layer, center) {
      if (!center || !isGcj02(layer)) {
        return center;
      }
      var shifted = wgs84ToGcj02(center.lat, center.lng);
      return L.latLng(shifted[0], shifted[1]);
    }

    // Leaflet's two private hooks that place tiles and pick which to load take the view centre;
    // handing them the GCJ-02 centre shifts the whole layer by the local offset.
    L.TileLayer.include({
      _setZoomTransform: function (level, center, zoom) {
        return setZoomTransform.call(this, level, tileCentre(this, center), zoom);
      },
      _getTiledPixelBounds: function (center) {
        return getTiledPixelBounds.call(this, tileCentre(this, center));
      },
    });
  }

  window.gasccTiles = { wgs84ToGcj02: wgs84ToGcj02, installed: false };

  function installOnce() {
    if (window.gasccTiles.installed || !window.L || !window.L.TileLayer) {
      return window.gasccTiles.installed;
    }
    install(window.L);
    window.gasccTiles.installed = true;
    return true;
  }

  // dash-leaflet's bundle defines window.L; it normally loads before assets/, but be sure.
  if (!installOnce()) {
    document.addEventListener("DOMContentLoaded", installOnce);
  }
})();
