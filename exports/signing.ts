// The bureau's signing identity and CMS signatures (SHA-256, RSA):
// - PDF scorecards get an embedded PAdES-style signature (ETSI.CAdES.detached) through
//   @signpdf/signpdf with our own Signer below;
// - workbooks get a detached CMS signature (.p7s) over their exact bytes.
//
// The identity is the PKCS#12 file SIGNING_P12 (passphrase SIGNING_P12_PASSPHRASE). Without
// one, outside production, a development CA and a signer certificate it issues are generated
// on first use and kept in DATA_DIR/signing/dev-signer.json, so every instance on the same
// data directory signs with the same certificate.
//
// Why not @signpdf/signer-p12: node-forge re-encodes a parsed certificate's issuer name when
// it builds the SignerInfo, and double-encodes UTF8String values, so a certificate whose issuer
// is Chinese (as a bureau's usually is) gives a signature that no verifier accepts. We build
// the SignerInfo from the issuer's decoded values (ecosystem-notes §1.3).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { Signer } from '@signpdf/utils';

export interface SigningIdentity {
  key: forge.pki.rsa.PrivateKey;
  /** the same key for node:crypto, which does the RSA operation (forge's is JavaScript, ~28x slower) */
  nodeKey: crypto.KeyObject;
  cert: forge.pki.Certificate;
  /** every certificate in the PKCS#12 (the signer's first), embedded in each signature */
  chain: forge.pki.Certificate[];
  /** the signer certificate, DER */
  certDer: Buffer;
  /** SHA-256 of certDer, hex */
  certSha256: string;
  /** subject common name (or organisation), as shown to users */
  commonName: string;
  /** the CA certificate a verifier can trust (PEM), for the generated development identity */
  caPem: string | null;
  origin: 'configured' | 'generated';
}

export class SigningConfigError extends Error {}

export interface SigningSettings {
  /** path of the bureau's PKCS#12 file, or null */
  p12Path: string | null;
  p12Passphrase: string;
  dataDir: string;
  /** organisation name for a generated development certificate */
  bureauName: string;
  /** production refuses to sign with a generated certificate */
  production: boolean;
}

function attrValue(attrs: forge.pki.CertificateField[], name: string): string | null {
  const a = attrs.find((x) => x.name === name || x.shortName === name);
  if (!a) return null;
  const v = String(a.value);
  // parsed UTF8String values come back as UTF-8 bytes in a binary string
  return a.valueTagClass === (forge.asn1.Type.UTF8 as unknown) ? forge.util.decodeUtf8(v) : v;
}

function derOf(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

/** Reads a PKCS#12: the private key and the certificate whose public key matches it. */
export function identityFromP12(p12Der: Buffer, passphrase: string, origin: SigningIdentity['origin'], caPem: string | null = null): SigningIdentity {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12Der.toString('binary')), false, passphrase);
  } catch (e) {
    throw new SigningConfigError(`无法读取签章证书（PKCS#12）：${(e as Error).message}；请检查文件和口令`);
  }
  const certs = (p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [])
    .map((b) => b.cert)
    .filter((c): c is forge.pki.Certificate => !!c);
  const bag =
    (p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? [])[0] ??
    (p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? [])[0];
  const key = bag?.key as forge.pki.rsa.PrivateKey | undefined;
  if (!key) throw new SigningConfigError('签章证书文件中没有私钥（只支持 RSA 私钥）');
  const cert = certs.find((c) => (c.publicKey as forge.pki.rsa.PublicKey).n?.compareTo(key.n) === 0);
  if (!cert) throw new SigningConfigError('签章证书文件中没有与私钥匹配的证书');
  const now = new Date();
  if (cert.validity.notAfter < now) throw new SigningConfigError(`签章证书已于 ${cert.validity.notAfter.toISOString()} 过期`);
  const certDer = derOf(cert);
  return {
    key,
    nodeKey: crypto.createPrivateKey(forge.pki.privateKeyToPem(key)),
    cert,
    chain: [cert, ...certs.filter((c) => c !== cert)],
    certDer,
    certSha256: crypto.createHash('sha256').update(certDer).digest('hex'),
    commonName: attrValue(cert.subject.attributes, 'commonName') ?? attrValue(cert.subject.attributes, 'organizationName') ?? '(无名称)',
    caPem,
    origin,
  };
}

function rsaKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  // node's native key generation: forge's pure-JS one takes seconds
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const priv = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
  return { privateKey: priv, publicKey: forge.pki.rsa.setPublicKey(priv.n, priv.e) };
}

function certificate(
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  publicKey: forge.pki.rsa.PublicKey,
  signingKey: forge.pki.rsa.PrivateKey,
  ca: boolean,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(12));
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(
    ca
      ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }, { name: 'subjectKeyIdentifier' }]
      : [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
          { name: 'extKeyUsage', emailProtection: true },
          { name: 'subjectKeyIdentifier' },
        ],
  );
  cert.sign(signingKey, forge.md.sha256.create());
  return cert;
}

/**
 * A development CA and a signer certificate it issued, both with Chinese names, in a
 * PKCS#12 protected by a random passphrase. For development and tests only.
 */
export function generateDevelopmentP12(bureauName: string): { p12: Buffer; passphrase: string; caPem: string } {
  // pass JS strings: forge UTF-8-encodes UTF8String values itself
  const dn = (cn: string) => [
    { name: 'commonName', value: cn, valueTagClass: forge.asn1.Type.UTF8 as unknown as string },
    { name: 'organizationName', value: bureauName, valueTagClass: forge.asn1.Type.UTF8 as unknown as string },
    { name: 'countryName', value: 'CN' },
  ] as forge.pki.CertificateField[];
  const caKeys = rsaKeyPair();
  const caDn = dn('开发测试根证书（非正式）');
  const ca = certificate(caDn, caDn, caKeys.publicKey, caKeys.privateKey, true);
  const keys = rsaKeyPair();
  const leaf = certificate(dn(`${bureauName} 考核结果签章（开发测试）`), caDn, keys.publicKey, caKeys.privateKey, false);
  const passphrase = crypto.randomBytes(18).toString('base64url');
  const asn = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [leaf, ca], passphrase, { algorithm: '3des', friendlyName: 'scorecard-signer' });
  return { p12: Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary'), passphrase, caPem: forge.pki.certificateToPem(ca) };
}

const identities = new Map<string, SigningIdentity>();

/** Where the generated development identity is kept. */
export function developmentIdentityPath(dataDir: string): string {
  return path.join(dataDir, 'signing', 'dev-signer.json');
}

/**
 * The identity to sign with: the configured PKCS#12, or the development one (generated once
 * per data directory; concurrent first uses by several processes agree on one file).
 */
export function loadSigningIdentity(s: SigningSettings): SigningIdentity {
  const cacheKey = s.p12Path ? `p12:${s.p12Path}` : `dev:${s.dataDir}`;
  const hit = identities.get(cacheKey);
  if (hit) return hit;
  let id: SigningIdentity;
  if (s.p12Path) {
    if (!fs.existsSync(s.p12Path)) throw new SigningConfigError(`SIGNING_P12 指定的证书文件不存在：${s.p12Path}`);
    id = identityFromP12(fs.readFileSync(s.p12Path), s.p12Passphrase, 'configured');
  } else {
    if (s.production) {
      throw new SigningConfigError('生产环境必须配置签章证书：SIGNING_P12（PKCS#12 文件路径）和 SIGNING_P12_PASSPHRASE');
    }
    const file = developmentIdentityPath(s.dataDir);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const made = generateDevelopmentP12(s.bureauName);
      const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
      fs.writeFileSync(tmp, JSON.stringify({ p12: made.p12.toString('base64'), passphrase: made.passphrase, caPem: made.caPem }), { mode: 0o600 });
      try {
        fs.linkSync(tmp, file); // fails if another process got there first: use theirs
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        fs.unlinkSync(tmp);
      }
    }
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { p12: string; passphrase: string; caPem: string };
    id = identityFromP12(Buffer.from(saved.p12, 'base64'), saved.passphrase, 'generated', saved.caPem);
  }
  identities.set(cacheKey, id);
  return id;
}

/** DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2): what RSASSA-PKCS1-v1_5 signs. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * The key as forge's pkcs7 uses it (`key.sign(md, 'RSASSA-PKCS1-V1_5')`), with the RSA
 * operation done by node:crypto: PKCS#1 v1.5 padding of the DigestInfo, private-key encrypt.
 */
function nodeSigningKey(id: SigningIdentity) {
  return {
    n: id.key.n,
    e: id.key.e,
    sign(md: forge.md.MessageDigest): string {
      const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(md.digest().getBytes(), 'binary')]);
      return crypto.privateEncrypt({ key: id.nodeKey, padding: crypto.constants.RSA_PKCS1_PADDING }, digestInfo).toString('binary');
    },
  };
}

/** A CMS SignedData (DER) over `content`, detached, SHA-256, with signing time. */
export function cmsSign(id: SigningIdentity, content: Buffer, signingTime: Date = new Date()): Buffer {
  // the issuer exactly as in the certificate: decode parsed UTF8String values so forge's
  // encoder writes them once (the @signpdf/signer-p12 bug this module exists for)
  const issuer = id.cert.issuer.attributes.map((a) =>
    a.valueTagClass === (forge.asn1.Type.UTF8 as unknown) ? { ...a, value: forge.util.decodeUtf8(String(a.value)) } : a,
  );
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(content.toString('binary'));
  for (const c of id.chain) p7.addCertificate(c);
  p7.addSigner({
    key: nodeSigningKey(id),
    issuer,
    serialNumber: id.cert.serialNumber,
    digestAlgorithm: forge.pki.oids.sha256,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType, value: forge.pki.oids.data },
      { type: forge.pki.oids.signingTime, value: signingTime as unknown as string },
      { type: forge.pki.oids.messageDigest },
    ],
  } as unknown as Parameters<typeof p7.addSigner>[0]);
  p7.sign({ detached: true });
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

/** The Signer @signpdf/signpdf calls with the PDF's byte ranges. */
export class BureauSigner extends Signer {
  constructor(private readonly id: SigningIdentity) {
    super();
  }
  override async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
    return cmsSign(this.id, pdfBuffer, signingTime ?? new Date());
  }
}
