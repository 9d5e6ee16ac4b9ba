/* The rules the browser applies itself, as the server hands them to every page: a JSON data block
   <script type="application/json" id="gascc-rules"> (dashboard/app.py, from
   dashboard/domain/browser.py). Loaded before the other assets (Dash loads them alphabetically).

   gascc.rules(): the rules, e.g. { responseTargetS: 1200 }.
   gascc.responseLate(elapsedMs): the response target missed (dashboard/domain/response.py): the
     whole seconds elapsed exceed the target, so a clock showing 20:00 is in time, 20:01 late.

   There is no number here to fall back on: a page without the block is a bug, reported once on
   the console, and then nothing is marked late rather than something by a rule of our own. */
(function () {
  "use strict";
  const ELEMENT_ID = "gascc-rules";
  let rules = null;
  let reported = false;

  function read() {
    if (rules) return rules;
    const block = document.getElementById(ELEMENT_ID);
    try {
      rules = block ? JSON.parse(block.textContent) : null;
    } catch (e) {
      rules = null;
    }
    if (!rules && !reported) {
      reported = true;
      console.error("gascc: the page has no readable #" + ELEMENT_ID + " block; nothing is marked late");
    }
    return rules || {};
  }

  function responseLate(elapsedMs) {
    return Math.floor(elapsedMs / 1000) > read().responseTargetS;
  }

  window.gascc = Object.assign({}, window.gascc, { rules: read, responseLate: responseLate });
})();
