export const colors = {
  background: '#f6f7f9',
  surface: '#ffffff',
  text: '#14161a',
  muted: '#5b6170',
  border: '#d5d9e0',
  primary: '#1f5eff',
  primaryText: '#ffffff',
  danger: '#b42318',
  dangerSurface: '#fdecea',
  success: '#067647',
  successSurface: '#e7f6ec',
  warning: '#93370d',
  warningSurface: '#fef4e6',
  /** Paper strategies: simulated, apart from real money. */
  paper: '#5b21b6',
  paperSurface: '#f3edff',
};

export const spacing = { xs: 4, sm: 8, md: 12, lg: 16, xl: 24 };
