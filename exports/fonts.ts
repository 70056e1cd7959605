// The CJK font PDF exports embed (pdfkit subsets it: only the glyphs used are written).
// Order: SCORECARD_CJK_FONT when set (a path, optionally `#PostScriptName` for a .ttc),
// then the system fonts Debian's fonts-noto-cjk / fonts-wqy-microhei install, then the
// GBK subset of Noto Sans CJK SC committed under assets/fonts, so exports work after
// `npm ci` alone.
import path from 'node:path';
import nodeFs from 'node:fs';
import * as fontkit from 'fontkit';
import { projectRoot } from '../server/paths';

export interface CjkFont {
  /** file on disk */
  path: string;
  /** face inside a collection (.ttc); undefined for a single-face file */
  postscriptName?: string;
  /** where it came from: 'configured', 'system' or 'bundled' */
  origin: 'configured' | 'system' | 'bundled';
}

export class FontError extends Error {}

export const BUNDLED_FONT = path.join(projectRoot(), 'assets', 'fonts', 'NotoSansSC-GBK.otf');

const SYSTEM_FONTS: { path: string; postscriptName?: string }[] = [
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', postscriptName: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', postscriptName: 'WenQuanYiMicroHei' },
];

/** Characters every usable font must have: the table's own words and rare name characters. */
export const PROBE_TEXT = '服务质量情况表分类序号指标名称描述分值评分标准得分扣分合计签章草稿镕喆鑫￥（）：，。';

/** Opens the face and checks it has glyphs for PROBE_TEXT; throws FontError with the reason. */
export function checkFont(font: { path: string; postscriptName?: string }): void {
  let face: fontkit.Font;
  try {
    const opened = fontkit.openSync(font.path, font.postscriptName);
    if (!opened || 'fonts' in opened) {
      throw new FontError(`${font.path} 是字体集合，请用 #PostScript名 指定字体（如 #NotoSansCJKsc-Regular）`);
    }
    face = opened as fontkit.Font;
  } catch (e) {
    if (e instanceof FontError) throw e;
    throw new FontError(`无法读取字体 ${font.path}${font.postscriptName ? '#' + font.postscriptName : ''}: ${(e as Error).message}`);
  }
  const missing = [...PROBE_TEXT].filter((ch) => !face.hasGlyphForCodePoint(ch.codePointAt(0) as number));
  if (missing.length) throw new FontError(`字体 ${font.path} 缺少汉字：${missing.join('')}`);
}

/** Parses SCORECARD_CJK_FONT: `/path/font.ttc#PostScriptName` or `/path/font.otf`. */
export function parseFontSetting(value: string): { path: string; postscriptName?: string } {
  const i = value.lastIndexOf('#');
  if (i > 0) return { path: value.slice(0, i), postscriptName: value.slice(i + 1) || undefined };
  return { path: value };
}

const resolved = new Map<string, CjkFont>();

/**
 * The font to embed. A configured font that is missing or lacks characters is an error
 * (said at start), not a silent fallback.
 */
export function resolveCjkFont(setting: string | null | undefined): CjkFont {
  const key = setting ?? '';
  const hit = resolved.get(key);
  if (hit) return hit;
  let font: CjkFont | undefined;
  if (setting) {
    const f = parseFontSetting(setting);
    if (!nodeFs.existsSync(f.path)) throw new FontError(`SCORECARD_CJK_FONT 指定的字体文件不存在：${f.path}`);
    checkFont(f);
    font = { ...f, origin: 'configured' };
  } else {
    for (const f of SYSTEM_FONTS) {
      if (!nodeFs.existsSync(f.path)) continue;
      try {
        checkFont(f);
        font = { ...f, origin: 'system' };
        break;
      } catch {
        /* try the next one */
      }
    }
    if (!font) {
      checkFont({ path: BUNDLED_FONT });
      font = { path: BUNDLED_FONT, origin: 'bundled' };
    }
  }
  resolved.set(key, font);
  return font;
}
