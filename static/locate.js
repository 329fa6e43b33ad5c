// Fills the report form's position from the phone's location when the worker allows it, and
// from the grid picked by hand otherwise. The form works without this script.
(function () {
  var lon = document.getElementById("longitude");
  var lat = document.getElementById("latitude");
  var pick = document.getElementById("grid_point");
  if (!lon || !lat) return;
  if (pick) {
    pick.addEventListener("change", function () {
      var parts = pick.value.split(",");
      if (parts.length === 2) { lon.value = parts[0]; lat.value = parts[1]; }
    });
  }
  if (lon.value === "" && lat.value === "" && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (position) {
      if (lon.value === "" && lat.value === "") {
        lon.value = position.coords.longitude.toFixed(6);
        lat.value = position.coords.latitude.toFixed(6);
      }
    });
  }
})();
