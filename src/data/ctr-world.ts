// A synthetic ad-traffic world with a planted signal, for `mmoe generate ctr`. Ids follow Zipf-like
// popularity (a few ads, sites and apps take most traffic, as in Avazu); clicks depend on latent
// per-ad, per-site/app, per-category, device type, connection type and hour-of-day effects, and
// conversions (only after a click) on their own per-ad and per-site/app effects, with the ads,
// device types, connection types and hours that draw clicks converting worse once clicked
// (clickbait): the tasks pull apart, which is what MMoE's per-task gates are for.
import { Rng } from '../util/random.js';

/** Output columns in file order. `hour` is the hour of day, 0-23 (the partition gives the date). */
export const CTR_COLUMNS = [
  'click',
  'conversion',
  'hour',
  'adid',
  'site_id',
  'site_domain',
  'site_category',
  'app_id',
  'app_domain',
  'app_category',
  'device_id',
  'device_ip',
  'device_type',
  'device_conn_type',
] as const;

/** 8-hex-digit id of entry `i` of a field, as Avazu's hashed ids look. */
function hexId(salt: number, i: number): string {
  let h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0).toString(16).padStart(8, '0');
}

/** A vocabulary with Zipf(s) popularity: entry k drawn with weight 1/(k+1)^s. */
class Zipf {
  private readonly cdf: Float64Array;
  /** Ids made on first use: most of a large vocabulary is never drawn by a small run. */
  private readonly ids: (string | undefined)[];
  constructor(
    readonly size: number,
    s: number,
    private readonly salt: number,
  ) {
    this.cdf = new Float64Array(size);
    let acc = 0;
    for (let k = 0; k < size; k++) this.cdf[k] = acc += 1 / Math.pow(k + 1, s);
    for (let k = 0; k < size; k++) this.cdf[k]! /= acc;
    this.ids = new Array<string | undefined>(size);
  }

  draw(rng: Rng): number {
    const u = rng.next();
    let lo = 0;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  id(k: number): string {
    return (this.ids[k] ??= hexId(this.salt, k));
  }
}

function effects(rng: Rng, n: number, sd: number): Float64Array {
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) e[i] = sd * rng.normal();
  return e;
}

function pick(rng: Rng, probs: readonly number[]): number {
  let u = rng.next();
  for (let i = 0; i < probs.length - 1; i++) if ((u -= probs[i]!) < 0) return i;
  return probs.length - 1;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

// Placeholders Avazu uses for the site fields of app traffic and the app fields of site traffic.
const NO_SITE = ['85f751fd', 'c4e18dd6', '50e219e0'];
const NO_APP = ['ecad2386', '7801e8d9', '07d7df22'];
const ANONYMOUS_DEVICE = 'a99f214a';
const DEVICE_TYPES = ['1', '0', '4', '5', '2'];
const DEVICE_TYPE_P = [0.9, 0.06, 0.025, 0.01, 0.005];
const CONN_TYPES = ['0', '2', '3', '5'];
const CONN_TYPE_P = [0.85, 0.09, 0.05, 0.01];
// Traffic by hour of day: quiet at night, busiest in the evening.
const HOUR_P = Array.from({ length: 24 }, (_, h) => 1 + 0.6 * Math.sin((2 * Math.PI * (h - 9)) / 24));
const HOUR_SUM = HOUR_P.reduce((a, b) => a + b, 0);
const HOUR_PROBS = HOUR_P.map((p) => p / HOUR_SUM);

/** One generated row: the CSV fields and the true probabilities behind its labels. */
export interface CtrRow {
  fields: string[];
  pClick: number;
  pConvGivenClick: number;
}

/** Publisher (site or app) side: ids, domains, categories and their effects. */
class Publishers {
  readonly ids: Zipf;
  readonly domain: Int32Array;
  readonly category: Int32Array;
  readonly domains: string[];
  readonly categories: string[];
  readonly click: Float64Array;
  readonly conv: Float64Array;
  readonly catClick: Float64Array;
  readonly catConv: Float64Array;

  constructor(rng: Rng, n: number, nDomains: number, nCategories: number, salt: number) {
    this.ids = new Zipf(n, 1.1, salt);
    this.domains = Array.from({ length: nDomains }, (_, k) => hexId(salt + 1, k));
    this.categories = Array.from({ length: nCategories }, (_, k) => hexId(salt + 2, k));
    const catPop = new Zipf(nCategories, 1.2, salt + 3);
    this.domain = Int32Array.from({ length: n }, () => rng.int(nDomains));
    this.category = Int32Array.from({ length: n }, () => catPop.draw(rng));
    this.click = effects(rng, n, 0.55);
    this.conv = effects(rng, n, 0.45);
    this.catClick = effects(rng, nCategories, 0.45);
    this.catConv = effects(rng, nCategories, 0.35);
  }
}

export class CtrWorld {
  private readonly ads: Zipf;
  private readonly adClick: Float64Array;
  private readonly adConv: Float64Array;
  private readonly sites: Publishers;
  private readonly apps: Publishers;
  private readonly devices: Zipf;
  private readonly deviceClick: Float64Array;
  private readonly ips: Zipf;
  private readonly typeClick: Float64Array;
  private readonly connClick: Float64Array;
  private readonly hourClick: Float64Array;
  private readonly row: CtrRow = { fields: new Array<string>(CTR_COLUMNS.length).fill(''), pClick: 0, pConvGivenClick: 0 };

  /** `clickShift` is added to every click logit: negative makes clicks rarer (each -0.3 takes about a fifth off the click rate). */
  constructor(
    seed: number,
    private readonly clickShift = 0,
  ) {
    const rng = new Rng(seed);
    this.ads = new Zipf(4000, 1.05, 11);
    this.adClick = effects(rng, 4000, 0.6);
    // Clickbait: the ads that draw clicks convert worse once clicked (the tasks pull apart).
    this.adConv = this.adClick.map((c) => -0.6 * c + 0.6 * rng.normal());
    this.sites = new Publishers(rng, 2500, 1800, 22, 21);
    this.apps = new Publishers(rng, 2500, 1500, 30, 31);
    this.devices = new Zipf(150_000, 0.8, 41);
    this.deviceClick = effects(rng, 150_000, 0.3);
    this.ips = new Zipf(400_000, 0.9, 51);
    this.typeClick = Float64Array.from(DEVICE_TYPES, () => 0.4 * rng.normal());
    this.connClick = Float64Array.from(CONN_TYPES, () => 0.3 * rng.normal());
    this.hourClick = Float64Array.from(HOUR_PROBS, (_, h) => 0.3 * Math.sin((2 * Math.PI * (h - 14)) / 24));
  }

  /** Draws one row; the returned object is reused by the next call. */
  next(rng: Rng): CtrRow {
    const f = this.row.fields;
    const hour = pick(rng, HOUR_PROBS);
    const ad = this.ads.draw(rng);
    const isApp = rng.next() < 0.35;
    const pubs = isApp ? this.apps : this.sites;
    const p = pubs.ids.draw(rng);
    const cat = pubs.category[p]!;
    const anonymous = rng.next() < 0.7;
    const dev = anonymous ? -1 : this.devices.draw(rng);
    const type = pick(rng, DEVICE_TYPE_P);
    const conn = pick(rng, CONN_TYPE_P);

    const zClick =
      -1.75 + this.clickShift + this.adClick[ad]! + pubs.click[p]! + pubs.catClick[cat]! + this.typeClick[type]! + this.connClick[conn]! + this.hourClick[hour]! + (dev >= 0 ? this.deviceClick[dev]! : 0);
    // Device type, connection and hour push conversion the other way from clicks.
    const zConv = -0.8 + this.adConv[ad]! + pubs.conv[p]! + pubs.catConv[cat]! - this.hourClick[hour]! - this.typeClick[type]! - 2 * this.connClick[conn]!;
    const pClick = sigmoid(zClick);
    const pConv = sigmoid(zConv);
    const click = rng.next() < pClick ? 1 : 0;
    const conversion = click === 1 && rng.next() < pConv ? 1 : 0;

    f[0] = click ? '1' : '0';
    f[1] = conversion ? '1' : '0';
    f[2] = String(hour);
    f[3] = this.ads.id(ad);
    const [site, app] = isApp ? [NO_SITE, [pubs.ids.id(p), pubs.domains[pubs.domain[p]!]!, pubs.categories[cat]!]] : [[pubs.ids.id(p), pubs.domains[pubs.domain[p]!]!, pubs.categories[cat]!], NO_APP];
    f[4] = site[0]!;
    f[5] = site[1]!;
    f[6] = site[2]!;
    f[7] = app[0]!;
    f[8] = app[1]!;
    f[9] = app[2]!;
    f[10] = dev >= 0 ? this.devices.id(dev) : ANONYMOUS_DEVICE;
    f[11] = this.ips.id(this.ips.draw(rng));
    f[12] = DEVICE_TYPES[type]!;
    f[13] = CONN_TYPES[conn]!;
    this.row.pClick = pClick;
    this.row.pConvGivenClick = pConv;
    return this.row;
  }
}
