/*
 * The rest of the libraries Postman's sandbox gives scripts (entry-core.js has the ones every script
 * needs), as the real npm packages pinned in package.json at the versions postman-sandbox 4.7.1
 * (Newman 6.2.2) bundles. Packages that are in the core bundle resolve to it (build.mjs), so there
 * is one lodash and one Buffer. Modules run on their first require().
 */
globalThis.__pmLibs.register({
  // libraries
  'ajv': function () { return require('ajv'); },
  'backbone': function () { return require('backbone'); },
  'cheerio': function () { return require('cheerio'); },
  'crypto-js': function () { return require('crypto-js'); },
  'csv-parse/lib/sync': function () { return require('csv-parse/lib/sync'); },
  'moment': function () { return require('moment/min/moment.min'); },
  'postman-collection': function () { return require('postman-collection'); },
  'tv4': function () { return require('tv4'); },
  'xml2js': function () { return require('xml2js'); },
  // Node built-ins (browserify's polyfills)
  'assert': function () { return require('assert'); },
  'events': function () { return require('events'); },
  'path': function () { return require('path-browserify'); },
  'punycode': function () { return require('punycode'); },
  'querystring': function () { return require('querystring-es3'); },
  'stream': function () { return require('stream-browserify'); },
  'string_decoder': function () { return require('string_decoder'); },
  'timers': function () { return require('timers-browserify'); },
  'url': function () { return require('url'); },
  'util': function () { return require('util'); },
  // legacy globals only (not requirable in Postman): `_` is lodash 3, xml2Json is postman-sandbox's
  '#lodash3': function () { return require('lodash3').noConflict(); },
  '#xml2Json': function () { return xml2Json; }
});

// postman-sandbox lib/sandbox/xml2Json.js
function xml2Json(string) {
  var json = {};
  require('xml2js').parseString(string, { explicitArray: false, async: false, trim: true, mergeAttrs: false },
    function (_, result) { json = result; });
  return json;
}
