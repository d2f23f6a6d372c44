<#
.SYNOPSIS
  Builds the Windows bundle of posapp and its installer, from a clean checkout.

.DESCRIPTION
  Needs, on a Windows 10/11 x64 machine:
    - Python 3.11 x64 from python.org (the "py" launcher finds it), with internet access to PyPI;
    - Inno Setup 6.3 or newer (ISCC.exe), unless -NoInstaller;
    - git, for the commit time that dates the build (optional).
  Run from anywhere:
    powershell -ExecutionPolicy Bypass -File packaging\windows\build_windows.ps1
  Writes to dist\:
    posapp-VERSION-windows-x64\          the one-folder bundle (posapp.exe, posapp-admin.exe, _internal\)
    posapp-VERSION-windows-x64.zip       the same folder, zipped
    posapp-VERSION-setup-x64.exe         the installer (packaging\windows\posapp.iss)
    SHA256SUMS-windows.txt

.PARAMETER Python
  The interpreter that creates the build virtualenv (default: "py -3.11").
.PARAMETER Iscc
  Path to ISCC.exe (default: Inno Setup 6's usual places, then PATH).
.PARAMETER NoInstaller
  Build and check the bundle and the zip only.
#>
param(
    [string]$Python = "py -3.11",
    [string]$Iscc = "",
    [switch]$NoInstaller
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

function Say([string]$Text) { Write-Host "[build] $Text" }

# Native programs report failure through their exit code, which PowerShell does not turn into an error.
function Invoke-Checked([string]$What, [scriptblock]$Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $Root
$Started = Get-Date

# --- 1. Build virtualenv (separate from any development one) -------------------------------
$Venv = Join-Path $Root "build\venv-windows"
$Py = Join-Path $Venv "Scripts\python.exe"
if (-not (Test-Path $Py)) {
    Say "creating $Venv with $Python"
    $exe, $rest = $Python -split " ", 2
    $argv = @(); if ($rest) { $argv += $rest -split " " }
    Invoke-Checked "creating the virtualenv" { & $exe @argv -m venv $Venv }
}
$env:PIP_DISABLE_PIP_VERSION_CHECK = "1"
Say "installing posapp and PyInstaller (pip install -e .[build])"
Invoke-Checked "pip" { & $Py -m pip install -q --upgrade pip }
Invoke-Checked "pip" { & $Py -m pip install -q -e ".[build]" }

$Version = (& $Py -c "import posapp; print(posapp.__version__)").Trim()
# Inno Setup and the Windows file version want up to four numbers: 1.2.0rc1 -> 1.2.0
$Numeric = ([regex]::Matches($Version, "\d+") | Select-Object -First 3 | ForEach-Object { $_.Value }) -join "."
$Name = "posapp-$Version-windows-x64"
$Dist = Join-Path $Root "dist"
$Work = Join-Path $Root "build\windows"
$Bundle = Join-Path $Dist $Name

# Reproducible inputs: a fixed hash seed and the last commit's time.
$env:PYTHONHASHSEED = "0"
if (-not $env:SOURCE_DATE_EPOCH) {
    $env:SOURCE_DATE_EPOCH = "315532800"
    try { $t = (git log -1 --format=%ct 2>$null); if ($LASTEXITCODE -eq 0 -and $t) { $env:SOURCE_DATE_EPOCH = $t.Trim() } } catch { }
}

# --- 2. The bundle ---------------------------------------------------------------------------
Say "building $Name with PyInstaller"
foreach ($p in @($Work, $Bundle)) { if (Test-Path $p) { Remove-Item -Recurse -Force $p } }
New-Item -ItemType Directory -Force -Path $Work, $Dist | Out-Null
Invoke-Checked "PyInstaller" {
    & $Py -m PyInstaller --noconfirm --clean --log-level WARN `
        --distpath (Join-Path $Work "dist") --workpath (Join-Path $Work "work") `
        (Join-Path $Root "packaging\pyinstaller\posapp.spec")
}
Move-Item (Join-Path $Work "dist\posapp") $Bundle
$info = @(
    "posapp $Version",
    "commit $(try { (git rev-parse --short=12 HEAD 2>$null) } catch { 'unknown' })",
    "source_date_epoch $env:SOURCE_DATE_EPOCH",
    "python $(& $Py -c 'import platform; print(platform.python_version())')",
    "pyinstaller $(& $Py -c 'import PyInstaller; print(PyInstaller.__version__)')",
    "built_on $([System.Environment]::OSVersion.VersionString)",
    "",
    "# packages in the build environment (pip freeze)"
) + (& $Py -m pip freeze --exclude-editable | Sort-Object)
$info | Set-Content -Encoding UTF8 (Join-Path $Bundle "BUILD-INFO.txt")

# --- 3. Does it run? ----------------------------------------------------------------------------
$out = (& (Join-Path $Bundle "posapp-admin.exe") --version).Trim()
if ($LASTEXITCODE -ne 0 -or $out -ne "posapp $Version") { throw "posapp-admin --version printed '$out'" }
Say "posapp-admin --version: $out"
# posapp.exe is windowed: PowerShell does not wait for it, and it has no console to print to, so
# it writes its report to %TEMP%\posapp-selftest.txt.
$report = Join-Path $env:TEMP "posapp-selftest.txt"
if (Test-Path $report) { Remove-Item $report }
$proc = Start-Process -FilePath (Join-Path $Bundle "posapp.exe") -ArgumentList "--self-test" -Wait -PassThru
if (Test-Path $report) { Get-Content -Encoding UTF8 $report | ForEach-Object { Write-Host "  $_" } }
if ($proc.ExitCode -ne 0) { throw "posapp.exe --self-test failed (exit code $($proc.ExitCode)); see $report" }
Say "posapp.exe --self-test passed"

# --- 4. Zip and installer -------------------------------------------------------------------
$Zip = Join-Path $Dist "$Name.zip"
if (Test-Path $Zip) { Remove-Item $Zip }
Compress-Archive -Path $Bundle -DestinationPath $Zip
$outputs = @($Zip)

if (-not $NoInstaller) {
    if (-not $Iscc) {
        $candidates = @(
            (Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"),
            (Join-Path $env:ProgramFiles "Inno Setup 6\ISCC.exe"),
            (Join-Path $env:LOCALAPPDATA "Programs\Inno Setup 6\ISCC.exe")
        )
        $Iscc = $candidates | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
        if (-not $Iscc) { $cmd = Get-Command ISCC.exe -ErrorAction SilentlyContinue; if ($cmd) { $Iscc = $cmd.Source } }
        if (-not $Iscc) { throw "ISCC.exe not found: install Inno Setup 6.3+ or pass -Iscc PATH (or use -NoInstaller)" }
    }
    Say "building the installer with $Iscc"
    Invoke-Checked "ISCC" {
        & $Iscc /Q "/DAppVersion=$Version" "/DNumericVersion=$Numeric" "/DBundleDir=$Bundle" "/DOutputDir=$Dist" `
            (Join-Path $Root "packaging\windows\posapp.iss")
    }
    $outputs += (Join-Path $Dist "posapp-$Version-setup-x64.exe")
}

$sums = $outputs | ForEach-Object { "{0}  {1}" -f (Get-FileHash -Algorithm SHA256 $_).Hash.ToLower(), (Split-Path $_ -Leaf) }
$sums | Set-Content -Encoding ASCII (Join-Path $Dist "SHA256SUMS-windows.txt")
$size = (Get-ChildItem -Recurse -File $Bundle | Measure-Object -Sum Length).Sum / 1MB
Say ("bundle  {0} ({1:N0} MiB)" -f $Bundle, $size)
$outputs | ForEach-Object { Say ("output  {0} ({1:N0} MiB)" -f $_, ((Get-Item $_).Length / 1MB)) }
Say ("done in {0:N0} s" -f ((Get-Date) - $Started).TotalSeconds)
