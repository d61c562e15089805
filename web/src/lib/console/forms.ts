/** Forms a console opens; `rework` is a failed verification (核查不通过). */
export type FormName =
  | 'dispatch'
  | 'reject'
  | 'escalate'
  | 'rework'
  | 'close'
  | 'note'
  | 'resolve'
  | 'return'
  | 'request_extension';
