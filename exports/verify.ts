// Checking signatures in-process: a CMS SignedData (detached, SHA-256, RSA) over some bytes,
// and a signed PDF (the CMS over its /ByteRange). node-forge parses the ASN.1 (its own
// pkcs7 verify() is not implemented); node:crypto checks the RSA signature and reads the
// certificate. Three things must hold: the signed messageDigest equals the content's
// SHA-256, the RSA signature over the signed attributes verifies with the certificate's
// key, and the SignerInfo names that certificate (issuer and serial byte for byte).
import crypto from 'node:crypto';
import forge from 'node-forge';

export interface CmsCheck {
  valid: boolean;
  /** the signed messageDigest equals SHA-256 of the content */
  digestOk: boolean;
  /** the RSA signature over the signed attributes verifies */
  signatureOk: boolean;
  /** the SignerInfo's issuer and serial are the certificate's */
  signerMatches: boolean;
  /** subject common name of the signer certificate */
  signer: string | null;
  /** SHA-256 of the signer certificate (DER), hex */
  certificateSha256: string | null;
  /** the signed signingTime attribute, ISO */
  signingTime: string | null;
  /** the SHA-256 (hex) the signature says the signed content has: names the file it was made for */
  signedDigest: string | null;
  /** why it is not valid, in Chinese; null when valid */
  problem: string | null;
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  sha256: '2.16.840.1.101.3.4.2.1',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
};

type Asn1 = forge.asn1.Asn1;

const der = (a: Asn1): Buffer => Buffer.from(forge.asn1.toDer(a).getBytes(), 'binary');
const kids = (a: Asn1 | undefined): Asn1[] => (a && Array.isArray(a.value) ? (a.value as Asn1[]) : []);
const oidOf = (a: Asn1 | undefined): string | null => (a && typeof a.value === 'string' && a.type === forge.asn1.Type.OID ? forge.asn1.derToOid(a.value) : null);

function failed(problem: string, partial: Partial<CmsCheck> = {}): CmsCheck {
  return { valid: false, digestOk: false, signatureOk: false, signerMatches: false, signer: null, certificateSha256: null, signingTime: null, signedDigest: null, ...partial, problem };
}

function commonNameOf(cert: crypto.X509Certificate): string | null {
  // X509Certificate.subject is "CN=…\nO=…" with UTF-8 decoded
  const line = cert.subject.split('\n').find((l) => l.startsWith('CN=')) ?? cert.subject.split('\n').find((l) => l.startsWith('O='));
  return line ? line.slice(line.indexOf('=') + 1) : null;
}

/** Length of the DER element at the start of `b` (tag, length, value), or null if malformed. */
function derLength(b: Buffer): number | null {
  if (b.length < 2) return null;
  const first = b[1];
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || b.length < 2 + n) return null;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i];
  return 2 + n + len;
}

/** Checks a detached CMS signature (DER) over `content`. Never throws on bad input. */
export function verifyCms(content: Buffer, cmsDer: Buffer): CmsCheck {
  // exactly one DER element; a PDF's signature slot pads it with zero bytes, nothing else
  const used = derLength(cmsDer);
  if (used === null || used > cmsDer.length || cmsDer.subarray(used).some((x) => x !== 0)) {
    return failed('签名数据无法解析（不是 CMS/PKCS#7 格式，或其后附有其他数据）');
  }
  let root: Asn1;
  try {
    root = forge.asn1.fromDer(forge.util.createBuffer(cmsDer.toString('binary')), { parseAllBytes: false, decodeBitStrings: false } as never);
  } catch {
    return failed('签名数据无法解析（不是 CMS/PKCS#7 格式）');
  }
  // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT SignedData }
  const [ctype, wrapped] = kids(root);
  if (oidOf(ctype) !== OID.signedData) return failed('签名数据不是 CMS SignedData');
  const sd = kids(wrapped)[0];
  const parts = kids(sd);
  // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos }
  const certSet = parts.find((p) => p.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && p.type === 0);
  const signerInfos = parts[parts.length - 1];
  const si = kids(signerInfos)[0];
  if (!si) return failed('签名数据中没有签名者');
  const siParts = kids(si);
  // SignerInfo ::= SEQUENCE { version, sid IssuerAndSerialNumber, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature }
  const sid = siParts[1];
  const digestAlg = oidOf(kids(siParts[2])[0]);
  const signedAttrs = siParts.find((p) => p.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && p.type === 0);
  const signatureNode = siParts.find((p, i) => i > 3 && p.type === forge.asn1.Type.OCTETSTRING && p.tagClass === forge.asn1.Class.UNIVERSAL);
  if (!sid || !signedAttrs || !signatureNode) return failed('签名数据不完整（缺少签名属性）');
  if (digestAlg !== OID.sha256) return failed('签名摘要算法不是 SHA-256');

  // the certificate the SignerInfo names
  const [sidIssuer, sidSerial] = kids(sid);
  let certDer: Buffer | null = null;
  for (const c of kids(certSet)) {
    const tbs = kids(kids(c)[0]);
    // TBSCertificate ::= SEQUENCE { [0] version, serialNumber, signature, issuer, … }
    const offset = tbs[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
    const serial = tbs[offset];
    const issuer = tbs[offset + 2];
    if (serial && issuer && sidSerial && sidIssuer && der(serial).equals(der(sidSerial)) && der(issuer).equals(der(sidIssuer))) {
      certDer = der(c);
      break;
    }
  }
  if (!certDer) {
    return failed('签名者证书与签名信息不符（证书颁发者或序列号不一致）');
  }
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(certDer);
  } catch {
    return failed('签名者证书无法解析');
  }
  const certificateSha256 = crypto.createHash('sha256').update(certDer).digest('hex');
  const signer = commonNameOf(cert);

  let digest: Buffer | null = null;
  let signingTime: string | null = null;
  for (const attr of kids(signedAttrs)) {
    const [type, values] = kids(attr);
    const v = kids(values)[0];
    if (oidOf(type) === OID.messageDigest && v && typeof v.value === 'string') digest = Buffer.from(v.value, 'binary');
    if (oidOf(type) === OID.signingTime && v && typeof v.value === 'string') {
      try {
        signingTime = (v.type === forge.asn1.Type.UTCTIME ? forge.asn1.utcTimeToDate(v.value) : forge.asn1.generalizedTimeToDate(v.value)).toISOString();
      } catch {
        signingTime = null;
      }
    }
  }
  const digestOk = !!digest && digest.equals(crypto.createHash('sha256').update(content).digest());
  const signedDigest = digest ? digest.toString('hex') : null;
  // the signature covers the signed attributes DER-encoded as a SET OF (tag 0x31), not [0]
  const attrsDer = der(signedAttrs);
  attrsDer[0] = 0x31;
  let signatureOk = false;
  try {
    signatureOk = crypto.verify('sha256', attrsDer, cert.publicKey, Buffer.from(String(signatureNode.value), 'binary'));
  } catch {
    signatureOk = false;
  }
  const partial = { digestOk, signatureOk, signerMatches: true, signer, certificateSha256, signingTime, signedDigest };
  if (!digestOk) return failed('文件内容与签名不符（文件在签名后被修改）', partial);
  if (!signatureOk) return failed('签名值无效', partial);
  return { valid: true, ...partial, problem: null };
}

export interface PdfSignatureCheck extends CmsCheck {
  /** the file has a signature at all */
  signed: boolean;
  /** the signed byte ranges cover the whole file except the signature itself */
  coversWholeFile: boolean;
}

/**
 * Checks the signature embedded in a PDF. Never throws on bad input. Strict about the
 * structure a signer writes: the last /ByteRange [0 b c d] of the file lies in the signed part
 * before the signature, the gap [b, c) is exactly "<hex…>" (the CMS, zero-padded), and the
 * ranges cover the whole file, so nothing can be added, hidden in the gap, or appended.
 */
export function verifyPdf(pdf: Buffer): PdfSignatureCheck {
  const text = pdf.toString('latin1');
  if (!text.startsWith('%PDF-')) return { ...failed('不是 PDF 文件'), signed: false, coversWholeFile: false };
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  const last = ranges[ranges.length - 1];
  if (!last) return { ...failed('文件没有数字签名'), signed: false, coversWholeFile: false };
  const [a, b, c, d] = last.slice(1, 5).map(Number);
  const coversWholeFile = a === 0 && b < c && c + d === pdf.length;
  const broken = (problem: string) => ({ ...failed(problem), signed: true, coversWholeFile });
  if (c + d > pdf.length || b >= c || a !== 0) return broken('签名范围无效（文件被截断或改动）');
  if ((last.index ?? 0) >= b) return broken('签名结构无效（签名范围不在签名之前）');
  const slot = text.slice(b, c);
  if (!/^<[0-9a-fA-F]*>$/.test(slot) || slot.length % 2 !== 0) return broken('签名结构无效（签名数据区含有其他内容）');
  const cms = Buffer.from(slot.slice(1, -1), 'hex');
  const content = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
  const check = verifyCms(content, cms);
  if (check.valid && !coversWholeFile) {
    return { ...check, valid: false, problem: '签名之后文件又被追加了内容', signed: true, coversWholeFile };
  }
  return { ...check, signed: true, coversWholeFile };
}
