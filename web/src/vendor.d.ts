// Monaco internals used without types of their own.
declare module "monaco-editor/base/common/codiconsUtil.js" {
  export function getCodiconFontCharacters(): Record<string, number>;
}
declare module "monaco-editor/base/common/codicons.js";
