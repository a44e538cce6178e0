// Cognito's SRP sign-in (USER_SRP_AUTH, then the PASSWORD_VERIFIER challenge): the password
// never leaves the browser, only a proof that the person knows it. SRP-6a in the 3072-bit group
// and with the derivations of Cognito's own client library (amazon-cognito-identity-js), over
// BigInt and WebCrypto. No dependency. Checked against pycognito's values by the browser tests.
"use strict";

const CognitoSrp = (() => {
  const N = BigInt(
    "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
      "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
      "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
      "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
      "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
      "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
      "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
      "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
  );
  const g = 2n;
  const utf8 = (text) => new TextEncoder().encode(text);

  /** A number (or hex digits) as Cognito hashes it: an even number of digits, and 00 in front
   *  when the first digit would read as a sign bit. */
  function padHex(value) {
    const digits = typeof value === "string" ? value : value.toString(16);
    if (digits.length % 2 === 1) return `0${digits}`;
    return "89abcdefABCDEF".includes(digits[0]) ? `00${digits}` : digits;
  }

  const bytesOfHex = (digits) => Uint8Array.from(digits.match(/../g) || [], (pair) => parseInt(pair, 16));
  const hexOfBytes = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  };
  const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  /** SHA-256 of the bytes that hex digits spell, as a number. */
  const hashOfHex = async (digits) => BigInt(`0x${hexOfBytes(await sha256(bytesOfHex(digits)))}`);
  async function hmac(key, bytes) {
    const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign("HMAC", imported, bytes));
  }

  function modPow(base, exponent, modulus) {
    let result = 1n;
    base = ((base % modulus) + modulus) % modulus;
    for (; exponent > 0n; exponent >>= 1n) {
      if (exponent & 1n) result = (result * base) % modulus;
      base = (base * base) % modulus;
    }
    return result;
  }

  /** A fresh secret `a` (1024 random bits) and the SRP_A to send: g^a mod N, in hex. */
  function start() {
    const a = BigInt(`0x${hexOfBytes(crypto.getRandomValues(new Uint8Array(128)))}`) % N;
    return { a, srpA: modPow(g, a, N).toString(16) };
  }

  /** The time as Cognito reads it in a claim: "Wed Dec 2 09:05:07 UTC 2026" (the day unpadded). */
  function timestamp(date) {
    const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const two = (n) => String(n).padStart(2, "0");
    return `${days[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${date.getUTCDate()} ` +
      `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`;
  }

  /** The ChallengeResponses of PASSWORD_VERIFIER: the claim, signed with the key both sides
   *  derive from the password (Cognito from the verifier it keeps), for the challenge's
   *  SALT, SRP_B, SECRET_BLOCK and USER_ID_FOR_SRP. */
  async function claim({ poolId, password, a, challenge, at }) {
    const pool = poolId.split("_")[1];
    const userId = challenge.USER_ID_FOR_SRP;
    const A = modPow(g, a, N);
    const B = BigInt(`0x${challenge.SRP_B}`);
    if (B % N === 0n) throw new Error("Cognito's SRP_B is not valid");
    const k = await hashOfHex(padHex(N) + padHex(g));
    const u = await hashOfHex(padHex(A) + padHex(B));
    if (u === 0n) throw new Error("SRP's u is 0");
    const identity = hexOfBytes(await sha256(utf8(`${pool}${userId}:${password}`)));
    const x = await hashOfHex(padHex(challenge.SALT) + identity);
    const S = modPow(B - k * modPow(g, x, N), a + u * x, N);
    // HKDF-SHA256 of S with u as its salt, 16 bytes.
    const prk = await hmac(bytesOfHex(padHex(u)), bytesOfHex(padHex(S)));
    const key = (await hmac(prk, concat(utf8("Caldera Derived Key"), Uint8Array.of(1)))).slice(0, 16);
    const when = timestamp(at);
    const secretBlock = Uint8Array.from(atob(challenge.SECRET_BLOCK), (c) => c.charCodeAt(0));
    const signature = await hmac(key, concat(utf8(pool), utf8(userId), secretBlock, utf8(when)));
    return {
      USERNAME: challenge.USERNAME || userId,
      PASSWORD_CLAIM_SECRET_BLOCK: challenge.SECRET_BLOCK,
      PASSWORD_CLAIM_SIGNATURE: btoa(String.fromCharCode(...signature)),
      TIMESTAMP: when,
    };
  }

  return { start, claim, timestamp };
})();
